# vidorigin: origin-direct playback.  With vidorigin_direct_secret, a
# request that does not prove it came through the CDN needs a signed URL
# (?exp=...&sig=hex HMAC-SHA256): 403 when it is missing, wrong, for
# another video or expired; the manifests carry the token on to every URL
# they list; every origin-direct answer says CDN-Cache-Control: no-store.
use Test::Nginx::Socket 'no_plan';
use Digest::SHA qw(hmac_sha256_hex);

no_shuffle();

our $SECRET = '0123456789abcdef-direct';
our $CDN = 'X-Origin-Verify: 0123456789abcdef-secret';

sub signed {
    my ($id, $exp, $secret) = @_;
    $secret //= $SECRET;
    return "exp=$exp&sig=" . hmac_sha256_hex("vidorigin-v1\n$id\n$exp", $secret);
}
our $EXP = time() + 3600;
our $Q = signed('demo', $EXP);
our $Q_ESC = $Q =~ s/&/&amp;/gr;
our $Q_OTHER = signed('other', $EXP);
our $Q_OLD = signed('demo', time() - 10);
our $Q_WRONG_KEY = signed('demo', $EXP, '0123456789abcdef-direcT');
our $Q_LATER = "exp=" . ($EXP + 1) . "&sig=" . (signed('demo', $EXP) =~ s/.*sig=//r);
our $Q_UPPER = "exp=$EXP&sig=" . uc(signed('demo', $EXP) =~ s/.*sig=//r);
# a good signature for years ahead; for 2 h, 30 min ahead
our $Q_YEARS = signed('demo', time() + 10 * 365 * 86400);
our $Q_2H = signed('demo', time() + 7200);
our $Q_30M = signed('demo', time() + 1800);
# keys rotating: the new one, the previous one, a stranger
our $NEW = 'fedcba9876543210-rotated';
our $Q_NEW = signed('demo', $EXP, $NEW);
our $Q_PREV = $Q;
our $Q_STRANGER = signed('demo', $EXP, 'not-a-key-of-ours-0123');

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->http_config) {
        $block->set_value("http_config", <<'_EOC_');
    vidorigin_cdn_secret X-Origin-Verify 0123456789abcdef-secret;
_EOC_
    }
    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_direct_secret 0123456789abcdef-direct;
        vidorigin_cdn_cache_control "public, max-age=30";
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: unsigned, not through the CDN: 403, and the CDN must not keep it
--- request eval
["GET /v/demo/master.m3u8", "GET /v/demo/720p/0.m4s",
 "GET /v/demo/720p/index.m3u8?exp=$::EXP"]
--- error_code eval
[403, 403, 403]
--- response_headers eval
[("CDN-Cache-Control: no-store") x 3]
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/(master\.m3u8|720p/0\.m4s|720p/index\.m3u8)": origin-direct request refused: unsigned request, client: }
--- no_error_log
[error]



=== TEST 2: through the CDN: no signature needed, the CDN's Cache-Control
--- request eval
["GET /v/demo/master.m3u8", "GET /v/demo/720p/0.m4s"]
--- more_headers eval
[$::CDN, $::CDN]
--- error_code eval
[200, 200]
--- response_headers eval
[("CDN-Cache-Control: public, max-age=30") x 2]
--- response_body_unlike eval
[qr/sig=/, qr/sig=/]
--- no_error_log
[error]



=== TEST 3: signed: the manifests carry the token to every URL
--- request eval
["GET /v/demo/master.m3u8?$::Q", "GET /v/demo/720p/index.m3u8?$::Q",
 "GET /v/demo/manifest.mpd?$::Q", "GET /v/demo/master-ts.m3u8?$::Q"]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
[("CDN-Cache-Control: no-store") x 4]
--- response_body_like eval
[qr{URI="aac/index\.m3u8\?\Q$::Q\E".*\n720p/index\.m3u8\?\Q$::Q\E\n}s,
 qr{#EXT-X-MAP:URI="init\.mp4\?\Q$::Q\E"\n(?:.*\n)*?0\.m4s\?\Q$::Q\E\n},
 qr{initialization="\$RepresentationID\$/init\.mp4\?\Q$::Q_ESC\E" media="\$RepresentationID\$/\$Number\$\.m4s\?\Q$::Q_ESC\E"},
 qr{^720p/index-ts\.m3u8\?\Q$::Q\E$}m]
--- no_error_log
[error]



=== TEST 4: signed: segments and init segments, ranges
--- request eval
["GET /v/demo/720p/0.m4s?$::Q", "GET /v/demo/aac/init.mp4?$::Q"]
--- more_headers eval
["Range: bytes=0-99", ""]
--- error_code eval
[206, 200]
--- response_headers eval
[("CDN-Cache-Control: no-store") x 2]
--- no_error_log
[error]



=== TEST 5: signed for another video, expired, wrong key, tampered: 403
--- request eval
["GET /v/demo/master.m3u8?$::Q_OTHER", "GET /v/demo/master.m3u8?$::Q_OLD",
 "GET /v/demo/master.m3u8?$::Q_WRONG_KEY", "GET /v/demo/master.m3u8?$::Q_LATER",
 "GET /v/demo/master.m3u8?$::Q_UPPER",
 "GET /v/demo/master.m3u8?exp=0$::EXP&sig=" . ('0' x 64),
 "GET /v/demo/master.m3u8?exp=$::EXP&sig=abc"]
--- error_code eval
[403, 403, 403, 403, 403, 403, 403]
--- response_headers eval
[("CDN-Cache-Control: no-store") x 7]
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/master\.m3u8": origin-direct request refused: (wrong signature|expired signature|malformed exp|malformed sig), client: }
--- no_error_log
[error]



=== TEST 6: why is logged
--- request eval
"GET /v/demo/master.m3u8?$::Q_OLD"
--- error_code: 403
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/master\.m3u8": origin-direct request refused: expired signature, client: }
--- no_error_log
[error]



=== TEST 7: the manifest cache never keeps a viewer's token
--- request eval
["GET /v/demo/master.m3u8?$::Q", "GET /v/demo/master.m3u8",
 "GET /v/demo/master.m3u8?$::Q"]
--- more_headers eval
["", $::CDN, ""]
--- response_body_like eval
[qr/sig=/, qr/\A(?!.*sig=)/s, qr/sig=/]
--- no_error_log
[error]



=== TEST 8: vidorigin_direct_header: another header, or off
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_direct_secret 0123456789abcdef-direct;
        vidorigin_direct_header Surrogate-Control "no-store, max-age=0";
        location /v/demo/aac/ {
            vidorigin;
            vidorigin_direct_header off;
        }
    }
--- request eval
["GET /v/demo/master.m3u8?$::Q", "GET /v/demo/aac/init.mp4?$::Q"]
--- response_headers eval
["Surrogate-Control: no-store, max-age=0\n!CDN-Cache-Control",
 "!Surrogate-Control\n!CDN-Cache-Control"]
--- no_error_log
[error]



=== TEST 9: no vidorigin_direct_secret: nothing to check, nothing added
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
GET /v/demo/master.m3u8
--- error_code: 200
--- response_headers
!CDN-Cache-Control
--- response_body_unlike
sig=
--- no_error_log
[error]



=== TEST 10: a short secret is refused
--- config
    location /v/ {
        vidorigin;
        vidorigin_direct_secret short;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*vidorigin_direct_secret must be at least 16 bytes in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 11: a token valid for years is refused (vidorigin_direct_max_ttl, 1d)
--- request eval
["GET /v/demo/master.m3u8?$::Q_YEARS", "GET /v/demo/720p/0.m4s?$::Q_YEARS"]
--- error_code eval
[403, 403]
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/(master\.m3u8|720p/0\.m4s)": origin-direct request refused: expiry beyond the maximum lifetime, client: }
--- no_error_log
[error]



=== TEST 12: vidorigin_direct_max_ttl 1h: 2 h ahead refused, 30 min accepted
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_direct_secret 0123456789abcdef-direct;
        vidorigin_direct_max_ttl 1h;
    }
--- request eval
["GET /v/demo/master.m3u8?$::Q_2H", "GET /v/demo/master.m3u8?$::Q_30M"]
--- error_code eval
[403, 200]
--- no_error_log
[error]



=== TEST 13: rotation: URLs of the new and of the previous secret play
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_direct_secret fedcba9876543210-rotated 0123456789abcdef-direct;
    }
--- request eval
["GET /v/demo/master.m3u8?$::Q_NEW", "GET /v/demo/720p/0.m4s?$::Q_PREV",
 "GET /v/demo/master.m3u8?$::Q_STRANGER", "GET /v/demo/master.m3u8"]
--- error_code eval
[200, 200, 403, 403]
--- response_body_like eval
[qr{720p/index\.m3u8\?\Q$::Q_NEW\E\n}, qr/./s, qr/./s, qr/./s]
--- no_error_log
[error]



=== TEST 14: fail closed: a playback location without the secret is refused
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_direct_secret 0123456789abcdef-direct;
    }
    location /w/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"vidorigin" in location "/w/" has no "vidorigin_direct_secret" while origin-direct playback is configured: its viewers would not need signed URLs; set the secret here too, or "vidorigin_direct_secret off" to serve unsigned on purpose in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 15: "vidorigin_direct_secret off": unsigned on purpose, there only
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_direct_secret 0123456789abcdef-direct;
    }
    location /w/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_direct_secret off;
    }
--- request eval
["GET /w/demo/master.m3u8", "GET /v/demo/master.m3u8"]
--- error_code eval
[200, 403]
--- response_headers eval
["!CDN-Cache-Control", "CDN-Cache-Control: no-store"]
--- no_error_log
[error]



=== TEST 16: fail closed: vidorigin_direct_header without a secret
--- config
    vidorigin_direct_header CDN-Cache-Control no-store;
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"vidorigin" in location "/v/" has no "vidorigin_direct_secret" while origin-direct playback is configured}
--- no_error_log
[crit]
[alert]



=== TEST 17: fail closed: an API that signs for a location that does not check
--- config
    vidorigin_api_cdn_host https://cdn.example.com;
    vidorigin_api_origin_host https://origin.example.com;
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
    location /api/v1/videos/ {
        vidorigin_api;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_direct_secret 0123456789abcdef-direct;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"vidorigin" in location "/v/" has no "vidorigin_direct_secret" while origin-direct playback is configured}
--- no_error_log
[crit]
[alert]



=== TEST 18: the API's URLs must live no longer than the origin accepts
--- config
    vidorigin_direct_secret 0123456789abcdef-direct;
    vidorigin_api_cdn_host https://cdn.example.com;
    vidorigin_api_origin_host https://origin.example.com;
    vidorigin_api_sign_ttl 2d;
    location /api/v1/videos/ {
        vidorigin_api;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*"vidorigin_api_sign_ttl" of 172800 s in location "/api/v1/videos/" is longer than "vidorigin_direct_max_ttl" \(86400 s\): the origin would refuse the URLs it signs in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]
