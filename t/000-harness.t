# vim:set ft= ts=4 sw=4 et:
#
# Self-test of the Test::Nginx harness with stock nginx only: each block
# exercises one section of the block format, and tests/harness/selftest.sh
# checks that the same sections fail when their expectation is wrong.

use Test::Nginx::Socket 'no_plan';

$ENV{TEST_NGINX_HARNESS_WORD} = 'expanded';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: return with a body, implicit HTTP/1.1 and default status 200
--- config
    location = /hello {
        return 200 "hello\n";
    }
--- request
GET /hello
--- response_body
hello
--- no_error_log
[error]



=== TEST 2: error_code and response_body_like
--- config
    location = /x {
        return 404;
    }
--- request
GET /x
--- error_code: 404
--- response_body_like: 404 Not Found
--- no_error_log
[error]



=== TEST 3: user_files in a subdirectory of the html dir, a byte range
--- config
    location /data/ {
        # the server's root: html/, where user_files are written
    }
--- user_files
>>> data/abc.txt
0123456789
--- more_headers
Range: bytes=2-5
--- request
GET /data/abc.txt
--- error_code: 206
--- response_headers
Content-Range: bytes 2-5/11
Content-Length: 4
--- response_body chomp
2345
--- no_error_log
[error]



=== TEST 4: HEAD request: headers only
--- config
    location = /head.txt {
    }
--- user_files
>>> head.txt
0123456789
--- request
HEAD /head.txt
--- response_headers
Content-Length: 11
--- response_body
--- no_error_log
[error]



=== TEST 5: error_log as a substring and as eval qr//
--- config
    location /missing {
    }
--- request
GET /missing/nope.html
--- error_code: 404
--- error_log eval
[
    'open() "',
    qr{\[error\] .*/html/missing/nope\.html" failed \(2: No such file or directory\)},
]
--- no_error_log
[crit]
[alert]



=== TEST 6: response_headers: present and absent (!Name)
--- config
    location = /h {
        add_header X-Foo "bar baz";
        return 200 "ok";
    }
--- request
GET /h
--- response_headers
X-Foo: bar baz
!X-Absent
--- response_body: ok
--- no_error_log
[error]



=== TEST 7: response_headers_like
--- config
    location = /h {
        return 200 "ok";
    }
--- request
GET /h
--- response_headers_like
Server: nginx/\d+\.\d+\.\d+
Content-Length: \d
--- response_body: ok
--- no_error_log
[error]



=== TEST 8: a chunked response is de-chunked (ssi drops Content-Length)
--- config
    location /ssi/ {
        ssi on;
    }
--- user_files
>>> ssi/page.html
a<!--# echo var="no_such_var" default="-b-" -->c
--- request
GET /ssi/page.html
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
a-b-c
--- no_error_log
[error]



=== TEST 9: request eval with a body gets a Content-Length
--- config
    location = /len {
        return 200 "len=$http_content_length";
    }
--- request eval
"POST /len\n" . ("x" x 10)
--- response_body chomp
len=10
--- no_error_log
[error]



=== TEST 10: more_headers reach nginx
--- config
    location = /hdr {
        return 200 "x-test=$http_x_test;host=$host";
    }
--- more_headers
X-Test: one two
--- request
GET /hdr
--- response_body chomp
x-test=one two;host=localhost
--- no_error_log
[error]



=== TEST 11: raw_request eval, HTTP/1.0
--- config
    location = /raw {
        return 200 "proto=$server_protocol";
    }
--- raw_request eval
"GET /raw HTTP/1.0\r
Host: localhost\r
\r
"
--- response_body chomp
proto=HTTP/1.0
--- no_error_log
[error]



=== TEST 12: several requests, expectations as arrays
--- config
    location = /a { return 200 "A"; }
    location = /b { return 403; }
--- request eval
["GET /a", "GET /b"]
--- error_code eval
[200, 403]
--- response_body_like eval
["^A\$", "403 Forbidden"]
--- no_error_log
[error]



=== TEST 13: pipelined requests on one connection
--- config
    location = /p1 { return 200 "one"; }
    location = /p2 { return 200 "two"; }
--- pipelined_requests eval
["GET /p1", "GET /p2"]
--- response_body eval
["one", "two"]
--- no_error_log
[error]



=== TEST 14: $TEST_NGINX_* expanded in config and expected bodies, $ServerPort too
--- config
    location = /env {
        return 200 "$TEST_NGINX_HARNESS_WORD $TEST_NGINX_SERVER_PORT $TEST_NGINX_SERVER_PORT";
    }
--- request
GET /env
--- response_body chomp
expanded $ServerPort $TEST_NGINX_SERVER_PORT
--- no_error_log
[error]



=== TEST 15: http_config and main_config land in their contexts
--- main_config
worker_rlimit_nofile 512;
--- http_config
map $uri $harness_mapped {
    default "mapped";
}
--- config
    location = /map { return 200 $harness_mapped; }
--- request
GET /map
--- response_body chomp
mapped
--- no_error_log
[error]



=== TEST 16: response_body_unlike and timeout
--- config
    location = /u { return 200 "something"; }
--- request
GET /u
--- timeout: 5
--- response_body_unlike: nothing
--- no_error_log
[error]



=== TEST 17: log_level of a block
--- log_level: warn
--- config
    location /missing { }
--- request
GET /missing/nope.html
--- error_code: 404
--- error_log
No such file or directory
--- no_error_log
[debug]
[info]



=== TEST 18: skip_nginx skips the tests it counts
--- skip_nginx: 3: > 0.1.0
--- config
    location = /never { return 500; }
--- request
GET /never
--- response_body: not reached
--- error_log: not reached



=== TEST 19: must_die: a configuration nginx refuses
--- config
    no_such_directive_anywhere on;
--- must_die
--- error_log eval
qr/\[emerg\] .*unknown directive "no_such_directive_anywhere"/
--- no_error_log
[crit]
[alert]



=== TEST 20: a skipped block does not run
--- SKIP
--- config
    location = / { return 500; }
--- request
GET /
--- response_body: never checked



=== TEST 21: a block with a configuration starts its own nginx
--- config
    location = /prev { return 200 "previous"; }
--- request
GET /prev
--- response_body chomp
previous
--- no_error_log
[error]



=== TEST 22: a block without one runs on the previous block's nginx
--- request
GET /prev
--- response_body chomp
previous
--- no_error_log
[error]



=== TEST 23: nor are its user_files written
--- user_files
>>> never.txt
not written: nginx was not restarted
--- request
GET /never.txt
--- error_code: 404
--- error_log eval
qr{\[error\] .*open\(\) ".*/html/never\.txt" failed \(2: No such file or directory\), client: }
--- no_error_log
[crit]
[alert]
