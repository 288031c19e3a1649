# vidorigin: device classes.  Each class gets its ladder and codec order
# (the shipped conf/vidorigin-devices.conf); CDN device headers count only
# on requests that prove they come through the CDN; plain manifest URLs
# carry Vary, device URLs (master.tv.m3u8) do not; hostile User-Agents are
# answered normally and fast.
use Test::Nginx::Socket 'no_plan';
use File::Temp qw(tempdir);
use FindBin;

no_shuffle();

# a video with H.264, HEVC and AV1 renditions (only its description: the
# manifests are made from it alone)
my $store = tempdir(CLEANUP => 1);
mkdir "$store/codecs" or die "mkdir: $!";
{
    local $/;
    open my $in, '<', "$FindBin::Bin/../tests/core/data/codecs.json"
        or die "codecs.json: $!";
    my $json = <$in>;
    open my $out, '>', "$store/codecs/media.json" or die "media.json: $!";
    print $out $json;
    close $out or die "media.json: $!";
}
$ENV{TEST_NGINX_DEVICE_STORE} = $store;
$ENV{TEST_NGINX_DEVICES_CONF} //= "$FindBin::Bin/../conf/vidorigin-devices.conf";

# what a manifest lists, on one line: the variants of a master playlist
# in order, or the video sets of an MPD; any other body as it is
sub summary {
    my $body = shift;
    return video_sets($body) if $body =~ /^<\?xml/;
    return $body unless $body =~ /^#EXTM3U/;
    my @uris = grep { length && !/^#/ } split /\n/, $body;
    my @scores = $body =~ /SCORE=(\d+)/g;
    return join(' ', @uris)
           . (@scores ? " scores=" . CORE::join(',', @scores) : '')
           . "\n";
}

# the video adaptation sets of an MPD: "id:priority:rep,rep ..."
sub video_sets {
    my $body = shift;
    my @out;
    while ($body =~ m{<AdaptationSet\ id="(\d+)"\ contentType="video"[^>]*?
                      (?:selectionPriority="(\d+)")?>(.*?)</AdaptationSet>}gsx)
    {
        my ($id, $prio, $set) = ($1, $2 // '-', $3);
        my @reps = $set =~ /<Representation id="([^"]+)"/g;
        push @out, "$id:$prio:" . join(',', @reps);
    }
    return join(' ', @out) . "\n";
}

our $UA_DESKTOP = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
    . 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 '
    . 'Safari/537.36';
our $UA_IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) '
    . 'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 '
    . 'Mobile/15E148 Safari/604.1';
our $UA_IPAD = 'Mozilla/5.0 (iPad; CPU OS 12_2 like Mac OS X) '
    . 'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/12.1 '
    . 'Mobile/15E148 Safari/604.1';
our $UA_TIZEN = 'Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) '
    . 'AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV '
    . 'Safari/537.36';
our $UA_PS5 = 'Mozilla/5.0 (PlayStation; PlayStation 5/2.26) '
    . 'AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15';
our $UA_OLD_ANDROID = 'Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; '
    . 'LG-L160L Build/IML74K) AppleWebkit/534.30 (KHTML, like Gecko) '
    . 'Version/4.0 Mobile Safari/534.30';
our $UA_BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; '
    . '+http://www.google.com/bot.html)';

our $SECRET = 'X-Origin-Verify: 0123456789abcdef-secret';

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->http_config) {
        $block->set_value("http_config", <<'_EOC_');
    include $TEST_NGINX_DEVICES_CONF;
    vidorigin_cdn_secret X-Origin-Verify 0123456789abcdef-secret;
    large_client_header_buffers 4 16k;
_EOC_
    }
    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_DEVICE_STORE;
    }
    location = /class {
        return 200 "$vidorigin_device_class\n";
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: each class its ladder and codec order (HLS)
--- request eval
[("GET /v/codecs/master.m3u8") x 7]
--- more_headers eval
["User-Agent: $::UA_DESKTOP", "User-Agent: $::UA_IPHONE",
 "User-Agent: $::UA_IPAD", "User-Agent: $::UA_TIZEN",
 "User-Agent: $::UA_PS5", "User-Agent: $::UA_OLD_ANDROID",
 "User-Agent: $::UA_BOT"]
--- response_body_filters eval
\&main::summary
--- response_body eval
["720p-av1/index.m3u8 360p-av1/index.m3u8 1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8 scores=2,2,1,1,1\n",
 "720p-av1/index.m3u8 360p-av1/index.m3u8 720p-hevc/index.m3u8 360p-hevc/index.m3u8 360p/index.m3u8 scores=3,3,2,2,1\n",
 "720p-av1/index.m3u8 360p-av1/index.m3u8 720p-hevc/index.m3u8 360p-hevc/index.m3u8 1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8 scores=3,3,2,2,1,1,1\n",
 "720p-hevc/index.m3u8 360p-hevc/index.m3u8 1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8 scores=2,2,1,1,1\n",
 "1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8\n",
 "360p/index-ts.m3u8\n",
 "360p/index.m3u8\n"]
--- no_error_log
[error]



=== TEST 2: each class its ladder and codec order (DASH: a set per codec)
--- request eval
[("GET /v/codecs/manifest.mpd") x 4]
--- more_headers eval
["User-Agent: $::UA_DESKTOP", "User-Agent: $::UA_IPAD",
 "User-Agent: $::UA_TIZEN", "User-Agent: $::UA_BOT"]
--- response_body_filters eval
\&main::summary
--- response_body eval
["0:3:720p-av1,360p-av1 5:2:1080p,720p,360p\n",
 "0:3:720p-av1,360p-av1 5:2:720p-hevc,360p-hevc 6:1:1080p,720p,360p\n",
 "0:3:720p-hevc,360p-hevc 5:2:1080p,720p,360p\n",
 "0:-:360p\n"]
--- no_error_log
[error]



=== TEST 3: the class of a request
--- request eval
[("GET /class") x 8]
--- more_headers eval
["User-Agent: $::UA_DESKTOP", "User-Agent: $::UA_IPHONE",
 "User-Agent: $::UA_IPAD", "User-Agent: $::UA_TIZEN",
 "User-Agent: $::UA_PS5", "User-Agent: $::UA_OLD_ANDROID",
 "User-Agent: $::UA_BOT", ""]
--- response_body eval
["desktop\n", "mobile\n", "tablet\n", "tv\n", "console\n", "legacy\n",
 "bot\n", "desktop\n"]
--- no_error_log
[error]



=== TEST 4: forged CDN device headers from an untrusted client are ignored
--- request eval
[("GET /class") x 4]
--- more_headers eval
["User-Agent: $::UA_DESKTOP\nCloudFront-Is-SmartTV-Viewer: true",
 "User-Agent: $::UA_DESKTOP\nCF-Device-Type: mobile",
 "User-Agent: $::UA_DESKTOP\nX-Origin-Verify: 0123456789abcdef-secreT\nCloudFront-Is-SmartTV-Viewer: true",
 "User-Agent: $::UA_DESKTOP\nX-Origin-Verify: 0123456789abcdef-secret-\nCF-Device-Type: mobile"]
--- response_body eval
["desktop\n", "desktop\n", "desktop\n", "desktop\n"]
--- no_error_log
[error]



=== TEST 5: CDN device headers count on requests with the origin secret
--- request eval
[("GET /class") x 4]
--- more_headers eval
["User-Agent: $::UA_DESKTOP\n$::SECRET\nCloudFront-Is-SmartTV-Viewer: true",
 "User-Agent: $::UA_DESKTOP\n$::SECRET\nCF-Device-Type: Mobile",
 "User-Agent: $::UA_TIZEN\n$::SECRET\nCloudFront-Is-Desktop-Viewer: true\nCloudFront-Is-SmartTV-Viewer: false",
 "User-Agent: $::UA_TIZEN\n$::SECRET"]
--- response_body eval
["tv\n", "mobile\n", "desktop\n", "tv\n"]
--- no_error_log
[error]



=== TEST 6: trusted by address: vidorigin_cdn_from
--- http_config
    include $TEST_NGINX_DEVICES_CONF;
    vidorigin_cdn_from 127.0.0.0/8;
--- request eval
[("GET /class") x 2]
--- more_headers eval
["User-Agent: $::UA_DESKTOP\nCloudFront-Is-Tablet-Viewer: true",
 "User-Agent: $::UA_DESKTOP"]
--- response_body eval
["tablet\n", "desktop\n"]
--- no_error_log
[error]



=== TEST 7: not from a CDN address: ignored
--- http_config
    include $TEST_NGINX_DEVICES_CONF;
    vidorigin_cdn_from 192.0.2.0/24;
    vidorigin_cdn_from ::1;
--- request
GET /class
--- more_headers eval
"User-Agent: $::UA_DESKTOP\nCloudFront-Is-Tablet-Viewer: true"
--- response_body
desktop
--- no_error_log
[error]



=== TEST 8: trusted by realip: the peer is a set_real_ip_from address that sent the viewer's
--- http_config
    include $TEST_NGINX_DEVICES_CONF;
    vidorigin_cdn_from realip;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
--- request eval
[("GET /class") x 2]
--- more_headers eval
["User-Agent: $::UA_DESKTOP\nX-Forwarded-For: 203.0.113.7\nCF-Device-Type: tablet",
 "User-Agent: $::UA_DESKTOP\nCF-Device-Type: tablet"]
--- response_body eval
["tablet\n", "desktop\n"]
--- no_error_log
[error]



=== TEST 9: realip from other addresses: not trusted
--- http_config
    include $TEST_NGINX_DEVICES_CONF;
    vidorigin_cdn_from realip;
    set_real_ip_from 192.0.2.1;
    real_ip_header X-Forwarded-For;
--- request
GET /class
--- more_headers eval
"User-Agent: $::UA_DESKTOP\nX-Forwarded-For: 203.0.113.7\nCF-Device-Type: tablet"
--- response_body
desktop
--- no_error_log
[error]



=== TEST 10: Vary names the User-Agent and the CDN headers that can be trusted
--- request
GET /v/codecs/master.m3u8
--- response_headers
Vary: User-Agent, CloudFront-Is-SmartTV-Viewer, CloudFront-Is-Tablet-Viewer, CloudFront-Is-Mobile-Viewer, CloudFront-Is-Desktop-Viewer, CF-Device-Type
--- no_error_log
[error]



=== TEST 11: device URLs: the class the URL names, whoever asks, no Vary
--- request eval
["GET /v/codecs/master.tv.m3u8", "GET /v/codecs/master.mobile.m3u8",
 "GET /v/codecs/master-ts.tv.m3u8", "GET /v/codecs/manifest.bot.mpd",
 "GET /v/codecs/master.legacy.m3u8"]
--- more_headers eval
[("User-Agent: $::UA_BOT") x 5]
--- response_headers eval
[("!Vary") x 5]
--- response_body_filters eval
\&main::summary
--- response_body eval
["720p-hevc/index.m3u8 360p-hevc/index.m3u8 1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8 scores=2,2,1,1,1\n",
 "720p-av1/index.m3u8 360p-av1/index.m3u8 720p-hevc/index.m3u8 360p-hevc/index.m3u8 360p/index.m3u8 scores=3,3,2,2,1\n",
 "1080p/index-ts.m3u8 720p/index-ts.m3u8 360p/index-ts.m3u8\n",
 "0:-:360p\n",
 "360p/index-ts.m3u8\n"]
--- no_error_log
[error]



=== TEST 12: unknown device class in the URL: 404; media playlists have no Vary
--- request eval
["GET /v/codecs/master.nosuch.m3u8", "GET /v/codecs/manifest.a.b.mpd",
 "GET /v/codecs/720p-av1/index.m3u8", "GET /v/codecs/720p-av1/index-ts.m3u8"]
--- error_code eval
[404, 404, 200, 404]
--- response_headers eval
[("!Vary") x 4]
--- no_error_log
[error]



=== TEST 13: the manifest cache keeps each class apart
--- request eval
[("GET /v/codecs/master.m3u8") x 4]
--- more_headers eval
["User-Agent: $::UA_TIZEN", "User-Agent: $::UA_BOT",
 "User-Agent: $::UA_TIZEN", "User-Agent: $::UA_BOT"]
--- response_body_filters eval
\&main::summary
--- response_body eval
["720p-hevc/index.m3u8 360p-hevc/index.m3u8 1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8 scores=2,2,1,1,1\n",
 "360p/index.m3u8\n",
 "720p-hevc/index.m3u8 360p-hevc/index.m3u8 1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8 scores=2,2,1,1,1\n",
 "360p/index.m3u8\n"]
--- no_error_log
[error]



=== TEST 14: hostile User-Agents: 10 KB, binary bytes, backtracking bait
--- request eval
[("GET /v/codecs/master.m3u8") x 5]
--- more_headers eval
["User-Agent: " . ("Mozilla/5.0 (Linux; Android " x 400),
 "User-Agent: " . CORE::join('', map { chr } grep { $_ != 10 && $_ != 13 && $_ != 127 } 32 .. 255, 1 .. 8, 11, 12, 14 .. 31),
 "User-Agent: " . ("a" x 5000) . "!",
 "User-Agent: " . ("Android " x 1200) . "Mobile",
 "User-Agent: " . ("(iPhone; " x 1000) . ("Tizen " x 200)]
--- error_code eval
[200, 200, 200, 200, 200]
--- timeout: 1
--- no_error_log
[error]



=== TEST 15: no rules: every class is H.264 only, no Vary
--- http_config
--- request eval
["GET /v/codecs/master.m3u8", "GET /v/codecs/master.tv.m3u8",
 "GET /class"]
--- response_headers eval
[("!Vary") x 3]
--- response_body_filters eval
\&main::summary
--- response_body eval
["1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8\n",
 "1080p/index.m3u8 720p/index.m3u8 360p/index.m3u8\n",
 "desktop\n"]
--- no_error_log
[error]



=== TEST 16: configuration errors
--- http_config
    vidorigin_device_ua "iPhone" phone;
--- config
--- must_die
--- error_log eval
qr{\[emerg\] .*unknown device class "phone": define it with vidorigin_device_class in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]
