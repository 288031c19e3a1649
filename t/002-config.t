# vidorigin: configuration errors are refused at start.  (The messages are
# checked by tests/serve/test-module-config.sh with `nginx -t`: a distro nginx
# logs [emerg] to stderr, where Test::Nginx does not look.)
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: vidorigin without a store
--- config
    location /v/ {
        vidorigin;
    }
--- request
GET /v/demo/master.m3u8
--- must_die
--- error_log eval
qr{\[emerg\] .*"vidorigin" requires "vidorigin_store" or "vidorigin_s3_pass" in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 2: media cache zone without a size
--- http_config
    vidorigin_media_cache zone=media;
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
GET /v/demo/master.m3u8
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "zone=media" in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 3: media cache zone too small
--- http_config
    vidorigin_media_cache zone=media:1k;
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
GET /v/demo/master.m3u8
--- must_die
--- error_log eval
qr{\[emerg\] .*zone "zone=media:1k" is too small in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 4: a configured zone and validity are used
--- http_config
    vidorigin_media_cache zone=media:1m valid=1s;
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
GET /v/demo/master.m3u8
--- error_code: 200
--- no_error_log
[error]
