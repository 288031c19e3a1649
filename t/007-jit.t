# vidorigin: an object the media description lists but the store lacks is
# handed to the vidorigin_jit named location (proxy_pass to the worker
# pool); a successful answer carries the origin's segment headers, server
# errors (a busy worker's 503, no worker at all) get "no-store".  A fake
# worker (a second server on a unix socket) stands in for the daemon here;
# tests/e2e runs the real one.
use Test::Nginx::Socket 'no_plan';

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();

no_shuffle();

our $Lazy = '{"version":1,"id":"lazy","source":"lazy/source.mp4","duration_ms":4000,"segment_ms":2000,"segment_count":2,"fps_num":25,"fps_den":1,"video_timescale":90000,"encoder":{"preset":"veryfast","threads":2},"formats":["fmp4","ts"],"video":[{"name":"360p","codec":"avc1.64001e","width":640,"height":360,"bandwidth":900000,"average_bandwidth":700000,"maxrate":800000,"crf":23}],"audio":[]}';

add_block_preprocessor(sub {
    my $block = shift;
    my $files = $block->user_files // "";
    $block->set_value("user_files",
        ">>> store/lazy/media.json\n$main::Lazy\n>>> store/lazy/360p/1.m4s\nstored\n$files");
    if (!defined $block->http_config) {
        $block->set_value("http_config", <<'_EOC_');
    upstream vidorigin_workers {
        server unix:$TEST_NGINX_HTML_DIR/worker.sock;
    }
    server {
        listen unix:$TEST_NGINX_HTML_DIR/worker.sock;
        location /v/ {
            add_header Cache-Control "no-cache";
            add_header X-Vidorigin-Transcode 1;
            return 200 "made:$uri";
        }
        location /v/busy/ {
            add_header Retry-After 1 always;
            return 503;
        }
    }
_EOC_
    }
    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
        vidorigin_jit @vidorigin_jit;
    }
    location @vidorigin_jit {
        proxy_pass http://vidorigin_workers;
        proxy_connect_timeout 1s;
        proxy_read_timeout 5s;
    }
_EOC_
    }
});

run_tests();

__DATA__

=== TEST 1: a missing segment is made by the worker, with the origin's headers
--- request
GET /v/lazy/360p/0.m4s
--- error_code: 200
--- response_body: made:/v/lazy/360p/0.m4s
--- response_headers
Cache-Control: public, max-age=31536000, immutable, stale-if-error=86400
X-Vidorigin-Transcode: 1
--- raw_response_headers_unlike: no-cache
--- error_log eval
qr{\[info\] .* vidorigin: ".*/html/store/lazy/360p/0\.m4s" is not in the store yet, asking "\@vidorigin_jit", client: }
--- no_error_log
[error]



=== TEST 2: init and TS segments go the same way
--- request eval
["GET /v/lazy/360p/init.mp4", "GET /v/lazy/360p/1.ts"]
--- response_body eval
["made:/v/lazy/360p/init.mp4", "made:/v/lazy/360p/1.ts"]
--- error_code eval
[200, 200]
--- no_error_log
[error]



=== TEST 3: an object in the store is sent from the store, not made
--- request
GET /v/lazy/360p/1.m4s
--- error_code: 200
--- response_body
stored
--- no_error_log
is not in the store yet
[error]



=== TEST 4: what the description does not list is 404, never made
--- request eval
["GET /v/lazy/360p/2.m4s", "GET /v/lazy/720p/0.m4s", "GET /v/nosuch/360p/0.m4s"]
--- error_code eval
[404, 404, 404]
--- error_log eval
qr{\[info\] .* vidorigin: "/v/(lazy/360p/2\.m4s": segment number out of range|lazy/720p/0\.m4s": unknown rendition|nosuch/360p/0\.m4s": video not ready), client: }
--- no_error_log
is not in the store yet
[error]



=== TEST 5: a busy worker's 503 reaches the client with Retry-After, no-store
--- user_files
>>> store/busy/media.json
{"version":1,"id":"busy","source":"busy/source.mp4","duration_ms":4000,"segment_ms":2000,"segment_count":2,"fps_num":25,"fps_den":1,"video_timescale":90000,"encoder":{"preset":"veryfast","threads":2},"formats":["fmp4"],"video":[{"name":"360p","codec":"avc1.64001e","width":640,"height":360,"bandwidth":900000,"average_bandwidth":700000,"maxrate":800000,"crf":23}],"audio":[]}
--- request
GET /v/busy/360p/0.m4s
--- error_code: 503
--- response_headers
Retry-After: 1
Cache-Control: no-store
--- no_error_log
[error]



=== TEST 6: no worker listening: a fast 502, no-store
--- http_config
    upstream vidorigin_workers {
        server unix:$TEST_NGINX_HTML_DIR/nobody.sock;
    }
--- request
GET /v/lazy/360p/0.m4s
--- error_code: 502
--- response_headers
Cache-Control: no-store
--- error_log eval
qr{\[crit\] .* connect\(\) to unix:.*/html/nobody\.sock failed \(2: No such file or directory\) while connecting to upstream, client: }
--- no_error_log
[error]
[alert]



=== TEST 7: CDN-Cache-Control and the location's own segment Cache-Control
--- config
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
        vidorigin_jit @vidorigin_jit;
        vidorigin_segment_cache_control "public, max-age=600";
        vidorigin_cdn_cache_control "public, max-age=86400";
        vidorigin_stale_if_error 0;
    }
    location @vidorigin_jit {
        proxy_pass http://vidorigin_workers;
    }
--- request
GET /v/lazy/360p/0.m4s
--- error_code: 200
--- response_headers
Cache-Control: public, max-age=600
CDN-Cache-Control: public, max-age=86400
--- no_error_log
[error]



=== TEST 8: without vidorigin_jit a missing object stays a logged 404
--- config
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
    }
--- request
GET /v/lazy/360p/0.m4s
--- error_code: 404
--- error_log eval
qr{\[error\] .* vidorigin: ".*/html/store/lazy/360p/0\.m4s" is missing from the store \(2: No such file or directory\), client: }
--- no_error_log
[crit]
[alert]



=== TEST 9: Range on a missing object: the worker sends it whole, nginx cuts
--- config
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
        vidorigin_jit @vidorigin_jit;
    }
    location @vidorigin_jit {
        proxy_pass http://vidorigin_workers;
        proxy_set_header Range "";
        proxy_set_header If-Range "";
        proxy_force_ranges on;
    }
--- request
GET /v/lazy/360p/0.m4s
--- more_headers
Range: bytes=5-9
--- error_code: 206
--- response_body: /v/la
--- response_headers
Content-Range: bytes 5-9/23
Cache-Control: public, max-age=31536000, immutable, stale-if-error=86400
--- no_error_log
[error]
