# vidorigin: init and media segments are sent from the store like static
# files (sendfile, ETag, Last-Modified, ranges, HEAD) with the immutable
# Cache-Control and the right Content-Type.
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

=== TEST 1: video init segment
--- request
GET /v/demo/720p/init.mp4
--- error_code: 200
--- response_headers
Content-Type: video/mp4
Cache-Control: public, max-age=31536000, immutable, stale-if-error=86400
Accept-Ranges: bytes
--- response_headers_like
ETag: "[0-9a-f]+-[0-9a-f]+"
Last-Modified: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT
--- response_body_like: ^\x00\x00\x00.ftyp
--- no_error_log
[error]



=== TEST 2: audio init segment
--- request
GET /v/demo/aac/init.mp4
--- error_code: 200
--- response_headers
Content-Type: audio/mp4
--- no_error_log
[error]



=== TEST 3: CMAF media segment
--- request
GET /v/demo/360p/0.m4s
--- error_code: 200
--- response_headers
Content-Type: video/iso.segment
Cache-Control: public, max-age=31536000, immutable, stale-if-error=86400
--- response_body_like: ^\x00\x00\x00.(styp|moof)
--- no_error_log
[error]



=== TEST 4: MPEG-TS segment starts with a sync byte
--- request
GET /v/demo/240p/9.ts
--- error_code: 200
--- response_headers
Content-Type: video/mp2t
--- response_body_like: ^\x47
--- no_error_log
[error]



=== TEST 5: byte range of a segment
--- request
GET /v/demo/240p/1.m4s
--- more_headers
Range: bytes=4-7
--- error_code: 206
--- response_headers_like
Content-Range: bytes 4-7/\d+
--- response_body_like: ^(styp|moof)$
--- no_error_log
[error]



=== TEST 6: unsatisfiable range
--- request
GET /v/demo/240p/1.m4s
--- more_headers
Range: bytes=999999999-
--- error_code: 416
--- no_error_log
[error]



=== TEST 7: HEAD of a segment
--- request
HEAD /v/demo/480p/2.m4s
--- error_code: 200
--- response_headers
Content-Type: video/iso.segment
--- response_headers_like
Content-Length: [1-9]\d*
--- response_body
--- no_error_log
[error]



=== TEST 8: If-Modified-Since equal to the file's mtime gives 304
--- request
GET /v/demo/480p/2.m4s
--- more_headers eval
use POSIX ();
"If-Modified-Since: " . POSIX::strftime("%a, %d %b %Y %H:%M:%S GMT",
    gmtime((stat "$ENV{TEST_NGINX_STORE}/demo/480p/2.m4s")[9]))
--- error_code: 304
--- response_body
--- no_error_log
[error]



=== TEST 9: If-None-Match with another ETag gives the segment
--- request
GET /v/demo/480p/2.m4s
--- more_headers
If-None-Match: "0-0"
--- error_code: 200
--- no_error_log
[error]



=== TEST 10: segment past the end of the video
--- request
GET /v/demo/480p/10.m4s
--- error_code: 404
--- response_headers
Cache-Control: public, max-age=10
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/480p/10\.m4s": segment number out of range, client: }
--- no_error_log
[error]



=== TEST 11: open_file_cache is honoured for segments
--- config
    open_file_cache max=100 inactive=60s;
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request eval
["GET /v/demo/1080p/3.m4s", "GET /v/demo/1080p/3.m4s"]
--- error_code eval
[200, 200]
--- no_error_log
[error]



=== TEST 12: a segment the description lists but the store lacks
--- user_files
>>> store/gap/media.json
{"version":1,"id":"gap","source":"gap/source.mp4","duration_ms":4000,"segment_ms":2000,"segment_count":2,"fps_num":25,"fps_den":1,"video_timescale":90000,"encoder":{"preset":"veryfast","threads":2},"formats":["fmp4"],"video":[{"name":"360p","codec":"avc1.64001e","width":640,"height":360,"bandwidth":900000,"average_bandwidth":700000,"maxrate":800000,"crf":23}],"audio":[]}
--- config
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
    }
--- request
GET /v/gap/360p/1.m4s
--- error_code: 404
--- error_log eval
qr{\[error\] .* vidorigin: ".*/html/store/gap/360p/1\.m4s" is missing from the store \(2: No such file or directory\), client: }
--- no_error_log
[crit]
[alert]
