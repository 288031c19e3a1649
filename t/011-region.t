# vidorigin: the viewer's region ($vidorigin_region): a trusted CDN
# country header, else the MaxMind DB's country of the client address
# (after realip), else the default.  The DB is a fixture written here by
# tests/region/make-mmdb.pl (MaxMind::DB::Writer; nothing downloaded):
# 127.0.0.0/24 JP, 127.0.1.0/24 US, 127.0.2.0/24 DE, 127.0.3.0/24 absent,
# 127.0.4.0/24 only a registered country (NL), 2001:db8::/32 BR, ::1 KR.
# A request proves it came through the CDN with the origin secret header
# (vidorigin_cdn_secret) or its peer address (vidorigin_cdn_from).
# Addresses come either through realip (X-Forwarded-For from 127.0.0.1)
# or, without it, from a real socket bound to another loopback address
# (a proxy_pass to this server with proxy_bind).  The messages of a DB
# that does not load, and reloads onto a new DB, are checked by
# tests/region/test-*.sh with `nginx -t` and `nginx -s reload`.
use Test::Nginx::Socket 'no_plan';
use File::Temp ();
use Cwd ();

our $Fixtures = File::Temp::tempdir("vidorigin-region-XXXXXX", TMPDIR => 1,
                                    CLEANUP => 1);
my $top = Cwd::getcwd();
system($^X, "$top/tests/region/make-mmdb.pl", "$Fixtures/a.mmdb") == 0
    or die "t/011-region.t: the DB fixture could not be made\n";
open my $fh, '>', "$Fixtures/garbage.mmdb" or die "$!\n";
print $fh "not a MaxMind DB\n" x 64;
close $fh;

$ENV{TEST_NGINX_REGION_DB} = "$Fixtures/a.mmdb";
$ENV{TEST_NGINX_REGION_GARBAGE} = "$Fixtures/garbage.mmdb";
$ENV{TEST_NGINX_REGION_NONE} = "$Fixtures/nosuch.mmdb";

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->http_config) {
        $block->set_value("http_config", <<'_EOC_');
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    vidorigin_cdn_secret X-Origin-Verify 0123456789abcdef-origin;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
_EOC_
    }

    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location = /region {
        return 200 "$vidorigin_region $vidorigin_region_source\n";
    }
    location = /via {
        proxy_bind $arg_from;
        proxy_pass http://127.0.0.1:$server_port/region;
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: the client address in the DB
--- request
GET /region
--- response_body
JP db
--- no_error_log
[error]
[warn]



=== TEST 2: addresses set by realip, IPv4 and IPv6, each its own answer
--- request eval
["GET /region", "GET /region", "GET /region", "GET /region",
 "GET /region", "GET /region", "GET /region"]
--- more_headers eval
["X-Forwarded-For: 127.0.1.7", "X-Forwarded-For: 127.0.2.200",
 "X-Forwarded-For: 2001:db8::5", "X-Forwarded-For: ::1",
 "X-Forwarded-For: ::ffff:127.0.1.1", "X-Forwarded-For: 127.0.0.99",
 "X-Forwarded-For: 127.0.1.7"]
--- response_body eval
["US db\n", "DE db\n", "BR db\n", "KR db\n", "US db\n", "JP db\n",
 "US db\n"]
--- no_error_log
[error]
[warn]



=== TEST 3: an address the DB does not have gets the default, ZZ
--- request eval
["GET /region", "GET /region", "GET /region", "GET /region"]
--- more_headers eval
["X-Forwarded-For: 127.0.3.9", "X-Forwarded-For: 192.0.2.1",
 "X-Forwarded-For: 2001:db9::1", "X-Forwarded-For: 127.0.3.9"]
--- response_body eval
["ZZ default\n", "ZZ default\n", "ZZ default\n", "ZZ default\n"]
--- no_error_log
[error]
[warn]



=== TEST 4: a record without a country: its registered country
--- request
GET /region
--- more_headers
X-Forwarded-For: 127.0.4.1
--- response_body
NL db
--- no_error_log
[error]



=== TEST 5: without realip, the address of the socket (bound by a proxy)
--- request eval
["GET /via?from=127.0.1.5", "GET /via?from=127.0.2.5",
 "GET /via?from=127.0.3.5", "GET /via?from=127.0.0.5"]
--- response_body eval
["US db\n", "DE db\n", "ZZ default\n", "JP db\n"]
--- no_error_log
[error]
[warn]



=== TEST 6: a country header from a client that is not the CDN is ignored
--- request eval
["GET /region", "GET /region", "GET /region"]
--- more_headers eval
["CF-IPCountry: US\nCloudFront-Viewer-Country: DE",
 "X-Forwarded-For: 127.0.3.1\nCF-IPCountry: US",
 "CF-IPCountry: US\nX-Origin-Verify: 0123456789abcdef-origiN"]
--- response_body eval
["JP db\n", "ZZ default\n", "JP db\n"]
--- no_error_log
[error]



=== TEST 7: a configured default, in any case, is upper-cased
--- http_config
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    vidorigin_region_default br;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
--- request eval
["GET /region", "GET /region"]
--- more_headers eval
["X-Forwarded-For: 127.0.3.1", "X-Forwarded-For: 127.0.1.1"]
--- response_body eval
["BR default\n", "US db\n"]
--- no_error_log
[error]



=== TEST 8: without a DB every address has the default
--- http_config
--- request eval
["GET /region", "GET /region"]
--- more_headers eval
["", "CF-IPCountry: US"]
--- response_body eval
["ZZ default\n", "ZZ default\n"]
--- no_error_log
[error]



=== TEST 9: a DB path that does not exist stops nginx
--- http_config
    vidorigin_geoip_db $TEST_NGINX_REGION_NONE;
--- request
GET /region
--- must_die
--- error_log eval
qr{\[emerg\] .*vidorigin_geoip_db "\S+/nosuch\.mmdb" cannot be used: Error opening the specified MaxMind DB file \(2: No such file or directory\) in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 10: a file that is not a MaxMind DB stops nginx
--- http_config
    vidorigin_geoip_db $TEST_NGINX_REGION_GARBAGE;
--- request
GET /region
--- must_die
--- error_log eval
qr{\[emerg\] .*vidorigin_geoip_db "\S+/garbage\.mmdb" cannot be used: The MaxMind DB file contains invalid metadata in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 11: the variable in the access log of a proxied request
--- http_config
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    log_format region "region=$vidorigin_region/$vidorigin_region_source";
--- config
    location = /region {
        access_log logs/error.log region;
        return 204;
    }
--- request
GET /region
--- error_code: 204
--- wait: 0.1
--- error_log
region=JP/db
--- no_error_log
[error]



=== TEST 12: the CDN's country header on a request with the origin secret
--- request eval
["GET /region", "GET /region", "GET /region", "GET /region"]
--- more_headers eval
["X-Origin-Verify: 0123456789abcdef-origin\nCloudFront-Viewer-Country: FR",
 "X-Origin-Verify: 0123456789abcdef-origin\nCF-IPCountry: us",
 "X-Origin-Verify: 0123456789abcdef-origin\nX-Forwarded-For: 127.0.3.1\nCF-IPCountry: KR",
 "X-Origin-Verify: 0123456789abcdef-origin\nCF-IPCountry: US\nCloudFront-Viewer-Country: DE"]
--- response_body eval
["FR header\n", "US header\n", "KR header\n", "DE header\n"]
--- no_error_log
[error]
[warn]



=== TEST 13: malformed values, XX and T1 are no answer: next header, then DB
--- request eval
["GET /region", "GET /region", "GET /region", "GET /region",
 "GET /region", "GET /region", "GET /region", "GET /region",
 "GET /region"]
--- more_headers eval
[map { "X-Origin-Verify: 0123456789abcdef-origin\n$_" }
 "CF-IPCountry: USA", "CF-IPCountry: U", "CF-IPCountry: 1A",
 "CF-IPCountry: XX", "CF-IPCountry: T1", "CF-IPCountry: U\@",
 "CF-IPCountry: \xc3\x9c",
 "CloudFront-Viewer-Country: XX\nCF-IPCountry: US",
 "CloudFront-Viewer-Country: U-S\nCF-IPCountry: de"]
--- response_body eval
["JP db\n", "JP db\n", "JP db\n", "JP db\n", "JP db\n", "JP db\n",
 "JP db\n", "US header\n", "DE header\n"]
--- no_error_log
[error]



=== TEST 14: configured header names replace the defaults, in their order
--- http_config
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    vidorigin_cdn_secret X-Origin-Verify 0123456789abcdef-origin;
    vidorigin_region_header X-Country-B;
    vidorigin_region_header X-Country-A;
--- request eval
["GET /region", "GET /region", "GET /region"]
--- more_headers eval
[map { "X-Origin-Verify: 0123456789abcdef-origin\n$_" }
 "X-Country-A: br", "X-Country-A: BR\nx-country-b: NZ",
 "CF-IPCountry: US\nCloudFront-Viewer-Country: DE"]
--- response_body eval
["BR header\n", "NZ header\n", "JP db\n"]
--- no_error_log
[error]



=== TEST 15: trusted by the CDN's address (a socket bound by a proxy)
--- http_config
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    vidorigin_cdn_from 127.0.1.0/24;
--- request eval
["GET /via?from=127.0.1.5", "GET /via?from=127.0.2.5",
 "GET /via?from=127.0.1.5"]
--- more_headers eval
["CF-IPCountry: KR", "CF-IPCountry: KR", ""]
--- response_body eval
["KR header\n", "DE db\n", "US db\n"]
--- no_error_log
[error]



=== TEST 16: behind realip, the CDN's address is the peer, the DB's the viewer
--- http_config
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    vidorigin_cdn_from 127.0.0.1;
    set_real_ip_from 127.0.0.0/8;
    real_ip_header X-Forwarded-For;
--- request eval
["GET /region", "GET /region", "GET /via?from=127.0.2.5"]
--- more_headers eval
["X-Forwarded-For: 127.0.2.9\nCF-IPCountry: KR",
 "X-Forwarded-For: 127.0.2.9",
 "X-Forwarded-For: 127.0.1.9\nCF-IPCountry: KR"]
--- response_body eval
["KR header\n", "DE db\n", "US db\n"]
--- no_error_log
[error]



=== TEST 17: an address is looked up once per worker, then remembered
--- config
    location = /twice {
        set $first $vidorigin_region;
        error_page 418 = /again;
        return 418;
    }
    location = /again {
        # an internal redirect forgets the request's region: found again
        return 200 "$first $vidorigin_region $vidorigin_region_source\n";
    }
--- request
GET /twice
--- more_headers
X-Forwarded-For: 127.0.1.7
--- response_body
US US db
--- grep_error_log eval
qr/vidorigin region: \S+ (?:looked up|from the cache)/
--- grep_error_log_out
vidorigin region: 127.0.1.7 looked up
vidorigin region: 127.0.1.7 from the cache
--- no_error_log
[error]



=== TEST 18: so is an address the DB does not have
--- config
    location = /twice {
        set $first $vidorigin_region;
        error_page 418 = /again;
        return 418;
    }
    location = /again {
        # an internal redirect forgets the request's region: found again
        return 200 "$first $vidorigin_region $vidorigin_region_source\n";
    }
--- request
GET /twice
--- more_headers
X-Forwarded-For: 2001:db9::7
--- response_body
ZZ ZZ default
--- grep_error_log eval
qr/vidorigin region: \S+ (?:looked up|from the cache)/
--- grep_error_log_out
vidorigin region: 2001:db9::7 looked up
vidorigin region: 2001:db9::7 from the cache
--- no_error_log
[error]
