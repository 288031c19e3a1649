# vidorigin: a broken media description breaks its own video only, with an
# error-level log line saying why; a directory without one is not ready.
use Test::Nginx::Socket 'no_plan';

no_shuffle();

our $Good = '{"version":1,"id":"good","source":"good/source.mp4","duration_ms":4000,"segment_ms":2000,"segment_count":2,"fps_num":25,"fps_den":1,"video_timescale":90000,"encoder":{"preset":"veryfast","threads":2},"formats":["fmp4"],"video":[{"name":"360p","codec":"avc1.64001e","width":640,"height":360,"bandwidth":900000,"average_bandwidth":700000,"maxrate":800000,"crf":23}],"audio":[]}';

add_block_preprocessor(sub {
    my $block = shift;
    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
    }
_EOC_
    }
    my $files = $block->user_files // "";
    $block->set_value("user_files",
        ">>> store/good/media.json\n$Good\n$files");
});

run_tests();

__DATA__

=== TEST 1: corrupt JSON: 500 for that video
--- user_files
>>> store/broken/media.json
{"version":1,"id":"broken",,,
--- request
GET /v/broken/master.m3u8
--- error_code: 500
--- error_log eval
qr{\[error\] .* vidorigin: invalid media description ".*/html/store/broken/media\.json": json: expected a key, client: }
--- no_error_log
[crit]
[alert]



=== TEST 2: corrupt JSON next door: the other video still plays
--- user_files
>>> store/broken/media.json
{"version":1,"id":"broken",,,
--- request eval
["GET /v/broken/master.m3u8", "GET /v/good/master.m3u8", "GET /v/broken/360p/0.m4s"]
--- error_code eval
[500, 200, 500]
--- no_error_log
[crit]
[alert]



=== TEST 3: truncated description
--- user_files eval
">>> store/cut/media.json\n" . substr($main::Good =~ s/good/cut/gr, 0, 150)
--- request
GET /v/cut/360p/index.m3u8
--- error_code: 500
--- error_log eval
qr{\[error\] .* vidorigin: invalid media description ".*/html/store/cut/media\.json": json: unexpected end of data, client: }
--- no_error_log
[crit]
[alert]



=== TEST 4: a description whose id is another video's
--- user_files
>>> store/other/media.json
{"version":1,"id":"good","source":"good/source.mp4","duration_ms":4000,"segment_ms":2000,"segment_count":2,"fps_num":25,"fps_den":1,"video_timescale":90000,"encoder":{"preset":"veryfast","threads":2},"formats":["fmp4"],"video":[{"name":"360p","codec":"avc1.64001e","width":640,"height":360,"bandwidth":900000,"average_bandwidth":700000,"maxrate":800000,"crf":23}],"audio":[]}
--- request
GET /v/other/master.m3u8
--- error_code: 500
--- error_log eval
qr{\[error\] .* vidorigin: invalid media description ".*/html/store/other/media\.json": id "good" does not match its directory, client: }
--- no_error_log
[crit]
[alert]



=== TEST 5: a video still being packaged (no description yet) is 404
--- user_files
>>> store/busy/360p/0.m4s
not yet
--- request
GET /v/busy/master.m3u8
--- error_code: 404
--- response_headers
Cache-Control: public, max-age=10
--- error_log eval
qr{\[info\] .* vidorigin: "/v/busy/master\.m3u8": video not ready, client: }
--- no_error_log
[error]



=== TEST 6: its segments are not served either
--- user_files
>>> store/busy/360p/0.m4s
not yet
--- request
GET /v/busy/360p/0.m4s
--- error_code: 404
--- response_body_unlike: not yet
--- error_log eval
qr{\[info\] .* vidorigin: "/v/busy/360p/0\.m4s": video not ready, client: }
--- no_error_log
[error]



=== TEST 7: an empty description
--- user_files
>>> store/empty/media.json
--- request
GET /v/empty/manifest.mpd
--- error_code: 500
--- error_log eval
qr{\[error\] .* vidorigin: invalid media description ".*/html/store/empty/media\.json": size 0, client: }
--- no_error_log
[crit]
[alert]



=== TEST 8: an unknown format version
--- user_files eval
">>> store/future/media.json\n" . ($main::Good =~ s/"version":1/"version":2/r =~ s/good/future/gr)
--- request
GET /v/future/master.m3u8
--- error_code: 500
--- error_log eval
qr{\[error\] .* vidorigin: invalid media description ".*/html/store/future/media\.json": unsupported media description version, client: }
--- no_error_log
[crit]
[alert]



=== TEST 9: TS requested of a video packaged without TS
--- request eval
["GET /v/good/master-ts.m3u8", "GET /v/good/360p/index-ts.m3u8", "GET /v/good/360p/0.ts"]
--- error_code eval
[404, 404, 404]
--- error_log eval
qr{\[info\] .* vidorigin: "/v/good/(master-ts\.m3u8|360p/index-ts\.m3u8|360p/0\.ts)": video has no ts format, client: }
--- no_error_log
[error]
