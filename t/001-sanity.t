# vidorigin: the module loads, configuration is checked, the sample video
# answers on every manifest path.
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: master playlist of a packaged video
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
GET /v/demo/master.m3u8
--- error_code: 200
--- response_headers
Content-Type: application/vnd.apple.mpegurl
--- response_body_like: ^#EXTM3U\n#EXT-X-VERSION:7\n
--- no_error_log
[error]
[warn]



=== TEST 2: DASH manifest of a packaged video
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
GET /v/demo/manifest.mpd
--- error_code: 200
--- response_headers
Content-Type: application/dash+xml
--- response_body_like: ^<\?xml version="1.0" encoding="UTF-8"\?>\n<MPD 
--- no_error_log
[error]
[warn]



=== TEST 3: the store is inherited from the server level
--- config
    vidorigin_store $TEST_NGINX_STORE;
    location /v/ {
        vidorigin;
    }
--- request
GET /v/demo/master-ts.m3u8
--- error_code: 200
--- response_body_like: ^#EXTM3U\n#EXT-X-VERSION:3\n
--- no_error_log
[error]



=== TEST 4: a location that does not enable the module is left alone
--- config
    vidorigin_store $TEST_NGINX_STORE;
    location /v/ {
        vidorigin;
    }
    location /other/ {
        return 200 "other\n";
    }
--- request
GET /other/demo/master.m3u8
--- error_code: 200
--- response_body
other
--- no_error_log
[error]



=== TEST 5: methods other than GET and HEAD are refused
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
POST /v/demo/master.m3u8
hello
--- error_code: 405
--- no_error_log
[error]



=== TEST 6: relative store paths are relative to the nginx prefix
--- user_files
>>> store/tiny/media.json
{"version":1,"id":"tiny","source":"tiny/source.mp4","duration_ms":4000,"segment_ms":2000,"segment_count":2,"fps_num":25,"fps_den":1,"video_timescale":90000,"encoder":{"preset":"veryfast","threads":2},"formats":["fmp4"],"video":[{"name":"360p","codec":"avc1.64001e","width":640,"height":360,"bandwidth":900000,"average_bandwidth":700000,"maxrate":800000,"crf":23}],"audio":[]}
--- config
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
    }
--- request
GET /v/tiny/360p/index.m3u8
--- error_code: 200
--- response_body
#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="init.mp4"
#EXTINF:2.000,
0.m4s
#EXTINF:2.000,
1.m4s
#EXT-X-ENDLIST
--- no_error_log
[error]
