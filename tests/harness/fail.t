# vim:set ft= ts=4 sw=4 et:
#
# Deliberately wrong expectations, one section per block: every block here
# must produce at least one "not ok" (tests/harness/selftest.sh checks).
# Kept out of t/ so that "prove -r t/" never runs it.  The configuration
# that does not load comes last: the genuine harness bails out there.

use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== FAIL 1: response_body
--- config
    location = /a { return 200 "real"; }
--- request
GET /a
--- response_body: other



=== FAIL 2: error_code
--- config
    location = /a { return 200 "real"; }
--- request
GET /a
--- error_code: 404



=== FAIL 3: response_headers value
--- config
    location = /a { add_header X-Foo bar; return 200 "real"; }
--- request
GET /a
--- response_headers
X-Foo: baz



=== FAIL 4: response_headers !Name while present
--- config
    location = /a { add_header X-Foo bar; return 200 "real"; }
--- request
GET /a
--- response_headers
!X-Foo



=== FAIL 5: response_headers_like
--- config
    location = /a { return 200 "real"; }
--- request
GET /a
--- response_headers_like
Server: apache.*



=== FAIL 6: response_body_like
--- config
    location = /a { return 200 "real"; }
--- request
GET /a
--- response_body_like: ^unreal$



=== FAIL 7: response_body_unlike
--- config
    location = /a { return 200 "real"; }
--- request
GET /a
--- response_body_unlike: rea



=== FAIL 8: error_log pattern that is not logged
--- config
    location = /a { return 200 "real"; }
--- request
GET /a
--- error_log
this line is never logged



=== FAIL 9: no_error_log pattern that is logged
--- config
    location /missing { }
--- request
GET /missing/x
--- error_code: 404
--- no_error_log
[error]



=== FAIL 10: chunked body compared after de-chunking
--- config
    location /ssi/ { ssi on; }
--- user_files
>>> ssi/p.html
abc<!--# echo var="x" default="" -->
--- request
GET /ssi/p.html
--- response_body
abd



=== FAIL 11: user_files content
--- config
--- user_files
>>> f.txt
file body
--- request
GET /f.txt
--- response_body
other body



=== FAIL 12: HEAD has no body
--- config
--- user_files
>>> f.txt
file body
--- request
HEAD /f.txt
--- response_body
file body



=== FAIL 13: timeout on a request nginx never completes
--- config
    location = /a { return 200 "real"; }
--- raw_request eval
"GET /a HTTP/1.1\r\nHost: localhost\r\n"
--- timeout: 0.5
--- response_body: real



=== FAIL 14: arrays of expectations for several requests
--- config
    location = /a { return 200 "A"; }
    location = /b { return 200 "B"; }
--- request eval
["GET /a", "GET /b"]
--- response_body eval
["A", "A"]



=== FAIL 15: must_die with a configuration that loads
--- config
    location = /a { return 200 "real"; }
--- must_die



=== FAIL 16: $TEST_NGINX_ variables are expanded in an expected body too
--- http_config
    geo $dollar { default "$"; }
--- config
    location = /a { return 200 "${dollar}TEST_NGINX_SERVER_PORT"; }
--- request
GET /a
--- response_body: $TEST_NGINX_SERVER_PORT



=== FAIL 17: a configuration that does not load
--- config
    location = /a { return 200 "real" extra; }
--- request
GET /a
--- response_body: real
