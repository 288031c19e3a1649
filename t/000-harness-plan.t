# vim:set ft= ts=4 sw=4 et:
#
# Self-test of the Test::Nginx harness: an explicit plan, repeat_each and
# shuffled blocks, the eval forms of user_files and more_headers.

use Test::Nginx::Socket;

repeat_each(2);

plan tests => repeat_each() * (blocks() * 3);

run_tests();

__DATA__

=== TEST 1: each repetition sees only its own error.log lines
--- config
    location /missing { }
--- request
GET /missing/again.html
--- error_code: 404
--- error_log
/html/missing/again.html" failed (2: No such file or directory)
--- no_error_log
[alert]



=== TEST 2: user_files eval (name, body pairs)
--- config
--- user_files eval
[["sub/e.txt", "eval file\n"]]
--- request
GET /sub/e.txt
--- response_body
eval file
--- no_error_log
[error]



=== TEST 3: more_headers eval
--- config
    location = /mh { return 200 "$http_x_a,$http_x_b"; }
--- more_headers eval
"X-A: 1\nX-B: 2"
--- request
GET /mh
--- response_body chomp
1,2
--- no_error_log
[error]
