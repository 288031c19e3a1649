# vidorigin: every malformed or hostile playback URL gets a 4xx with the
# negative-caching Cache-Control and an info-level log line naming it;
# never a 5xx, never a byte from outside the store.
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

=== TEST 1: id with a dot
--- request
GET /v/de.mo/master.m3u8
--- error_code: 400
--- response_headers
Cache-Control: public, max-age=10
--- error_log eval
qr{\[info\] .* vidorigin: "/v/de\.mo/master\.m3u8": invalid video id, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 2: id longer than 64 characters
--- request eval
"GET /v/" . ("a" x 65) . "/master.m3u8"
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/a{65}/master\.m3u8": invalid video id, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 3: id of exactly 64 characters is well-formed (and unknown)
--- request eval
"GET /v/" . ("a" x 64) . "/master.m3u8"
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/a{64}/master\.m3u8": video not ready, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 4: unknown video
--- request
GET /v/nosuchvideo/manifest.mpd
--- error_code: 404
--- response_headers
Cache-Control: public, max-age=10
--- error_log eval
qr{\[info\] .* vidorigin: "/v/nosuchvideo/manifest\.mpd": video not ready, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 5: dot-dot traversal out of the video
--- request
GET /v/demo/720p/../../../../etc/passwd
--- error_code: 400
--- response_body_unlike: root:
--- error_log eval
qr{\[info\] .* client sent invalid request while reading client request line, client: 127\.0\.0\.1, server: localhost, request: "GET /v/demo/720p/\.\./\.\./\.\./\.\./etc/passwd HTTP/1\.1"}
--- no_error_log
[error]
[crit]
[alert]



=== TEST 6: percent-encoded traversal
--- request
GET /v/demo/%2e%2e/%2e%2e/%2e%2e/etc/passwd
--- error_code: 400
--- response_body_unlike: root:
--- error_log eval
qr{\[info\] .* client sent invalid request while reading client request line, client: 127\.0\.0\.1, server: localhost, request: "GET /v/demo/%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1\.1"}
--- no_error_log
[error]
[crit]
[alert]



=== TEST 7: percent-encoded slash and dots inside the id
--- request
GET /v/demo%2F..%2Fdemo/master.m3u8
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/master\.m3u8": non-canonical path, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 8: double slash
--- request
GET /v//demo/master.m3u8
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/master\.m3u8": non-canonical path, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 9: encoded letters are not canonical either
--- request
GET /v/d%65mo/master.m3u8
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/master\.m3u8": non-canonical path, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 10: the media description itself is not served
--- request
GET /v/demo/media.json
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/media\.json": unknown file name, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 11: the master copy is not served
--- request
GET /v/demo/source.mp4
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/source\.mp4": unknown file name, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 12: unknown extension
--- request
GET /v/demo/720p/0.mp4
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/720p/0\.mp4": unknown file name, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 13: unknown rendition
--- request
GET /v/demo/4k/0.m4s
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/4k/0\.m4s": unknown rendition, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 14: negative segment number
--- request
GET /v/demo/720p/-1.m4s
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/720p/-1\.m4s": invalid segment number, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 15: non-numeric segment number
--- request
GET /v/demo/720p/one.m4s
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/720p/one\.m4s": invalid segment number, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 16: leading zero
--- request
GET /v/demo/720p/01.m4s
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/720p/01\.m4s": leading zero in segment number, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 17: absurdly large segment number
--- request
GET /v/demo/720p/99999999999999999999999.m4s
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/720p/99999999999999999999999\.m4s": segment number too large, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 18: large but well-formed segment number is out of range
--- request
GET /v/demo/720p/999999999.ts
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/720p/999999999\.ts": segment number out of range, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 19: trailing junk after the extension
--- request
GET /v/demo/720p/3.m4sx
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/720p/3\.m4sx": unknown file name, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 20: trailing slash
--- request
GET /v/demo/master.m3u8/
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/master\.m3u8/": trailing slash, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 21: extra path component
--- request
GET /v/demo/720p/extra/3.m4s
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/720p/extra/3\.m4s": too many path components, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 22: TS is for video renditions only
--- request
GET /v/demo/aac/0.ts
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/v/demo/aac/0\.ts": no ts for an audio track, client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 23: bare prefix (an empty id), bare id, trailing slash
--- request eval
["GET /v/", "GET /v/demo", "GET /v/demo/"]
--- error_code eval
[400, 404, 404]
--- error_log eval
qr{\[info\] .* vidorigin: "/v/(demo/?)?": (empty path|no file name|trailing slash), client: }
--- no_error_log
[error]
[crit]
[alert]



=== TEST 24: query strings are ignored
--- request
GET /v/demo/master.m3u8?x=../../etc/passwd
--- error_code: 200
--- no_error_log
[error]
[crit]
[alert]



=== TEST 25: hostile User-Agent and long header values
--- request
GET /v/demo/master.m3u8
--- more_headers eval
"User-Agent: " . ("(a+)+\$" x 400) . "\x01\x7f\n" . "X-Junk: " . ("z" x 4000)
--- error_code: 200
--- no_error_log
[error]
[crit]
[alert]



=== TEST 26: a decoded %0A (and other control bytes) cannot forge a log line
--- request
GET /v/x%0A2026/12/07%2000:00:00%20[alert]%201:%20forged%0D%1B[31m%22%5C/master.m3u8
--- log_level: info
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/x\\x0a2026/12/07 00:00:00 \[alert\] 1: forged\\x0d\\x1b\[31m\\x22\\x5c/master\.m3u8": non-canonical path, client: }
--- no_error_log eval
[qr{^2026/12/07 00:00:00 \[alert\]}, qr{^\S*\[31m}, "[error]", "[crit]"]



=== TEST 27: bytes from 0x7f up are escaped too; plain text is not
--- request
GET /v/d%C3%A9mo%7F/master.m3u8
--- log_level: info
--- error_code: 400
--- error_log eval
qr{\[info\] .* vidorigin: "/v/d\\xc3\\xa9mo\\x7f/master\.m3u8": non-canonical path, client: }
--- no_error_log
[error]
[crit]
[alert]
