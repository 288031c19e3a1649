# vidorigin: manifests carry their Cache-Control (with stale-if-error), a
# strong ETag from their bytes, Last-Modified of the media description, and
# answer conditional, range and HEAD requests.
use Test::Nginx::Socket 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: default manifest Cache-Control with stale-if-error
--- request
GET /v/demo/master.m3u8
--- error_code: 200
--- response_headers
Cache-Control: public, max-age=60, stale-while-revalidate=600, stale-if-error=86400
!CDN-Cache-Control
--- response_headers_like
ETag: "m-[0-9a-f]{8}-[0-9a-f]+"
Last-Modified: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT
--- no_error_log
[error]



=== TEST 2: configured classes, CDN-Cache-Control and stale-if-error
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_manifest_cache_control "public, max-age=5";
        vidorigin_cdn_cache_control "public, max-age=30";
        vidorigin_stale_if_error 1h;
    }
--- request
GET /v/demo/720p/index.m3u8
--- error_code: 200
--- response_headers
Cache-Control: public, max-age=5, stale-if-error=3600
CDN-Cache-Control: public, max-age=30
--- no_error_log
[error]



=== TEST 3: stale-if-error 0 and Cache-Control off
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
        vidorigin_stale_if_error 0;
        location /v/demo/aac/ {
            vidorigin;
            vidorigin_manifest_cache_control off;
        }
    }
--- request eval
["GET /v/demo/master.m3u8", "GET /v/demo/aac/index.m3u8"]
--- error_code eval
[200, 200]
--- response_headers eval
["Cache-Control: public, max-age=60, stale-while-revalidate=600",
 "!Cache-Control"]
--- no_error_log
[error]



=== TEST 4: If-None-Match with the manifest's ETag gives 304
--- request eval
["GET /v/demo/manifest.mpd", "GET /v/demo/manifest.mpd"]
--- more_headers eval
["", "If-None-Match: *"]
--- error_code eval
[200, 304]
--- no_error_log
[error]



=== TEST 5: If-Modified-Since equal to the description's mtime gives 304
--- request
GET /v/demo/master.m3u8
--- more_headers eval
use POSIX ();
"If-Modified-Since: " . POSIX::strftime("%a, %d %b %Y %H:%M:%S GMT",
    gmtime((stat "$ENV{TEST_NGINX_STORE}/demo/media.json")[9]))
--- error_code: 304
--- response_body
--- no_error_log
[error]



=== TEST 6: an older If-Modified-Since gives the manifest
--- request
GET /v/demo/master.m3u8
--- more_headers
If-Modified-Since: Thu, 01 Jan 1998 00:00:00 GMT
--- error_code: 200
--- response_body_like: ^#EXTM3U
--- no_error_log
[error]



=== TEST 7: with if_modified_since before, a later date gives 304
--- config
    if_modified_since before;
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
GET /v/demo/manifest.mpd
--- more_headers
If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT
--- error_code: 304
--- no_error_log
[error]



=== TEST 8: byte range of a manifest
--- request
GET /v/demo/master.m3u8
--- more_headers
Range: bytes=0-6
--- error_code: 206
--- response_headers_like
Content-Range: bytes 0-6/\d+
--- response_body: #EXTM3U
--- no_error_log
[error]



=== TEST 9: HEAD of a manifest: headers, length, no body
--- request
HEAD /v/demo/manifest.mpd
--- error_code: 200
--- response_headers
Content-Type: application/dash+xml
--- response_headers_like
Content-Length: [1-9]\d*
--- response_body
--- no_error_log
[error]

