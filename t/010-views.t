# vidorigin: view counting and the budgeted Redis calls.  Each playback
# start (a GET of a multivariant manifest answered 200) counts one view;
# media playlists, segments, HEAD and 404s do not.  Redis down or absent:
# playback is served all the same and the views are dropped.  A real
# redis-server on a free loopback port is started by this file (the
# contents of Redis, reloads and restarts are checked by tests/redis).
use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();

our ($RedisPid, $Parent) = (undef, $$);

sub start_redis {
    my $port;
    for (1 .. 100) {
        my $p = 20000 + int rand 30000;
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                                      LocalPort => $p, Listen => 1,
                                      ReuseAddr => 1) or next;
        close $s;
        $port = $p;
        last;
    }
    defined $port or die "no free port for redis-server\n";
    $RedisPid = fork // die "fork: $!\n";
    if ($RedisPid == 0) {
        open STDOUT, ">", "/dev/null";
        exec "redis-server", "--bind", "127.0.0.1", "--port", $port,
             "--save", "", "--appendonly", "no";
        exit 127;
    }
    for (1 .. 100) {
        return $port if IO::Socket::INET->new(PeerAddr => "127.0.0.1",
                                              PeerPort => $port);
        select undef, undef, undef, 0.05;
    }
    die "redis-server did not start on port $port\n";
}

END {
    local $?;                  # waitpid would set the file's exit status
    if ($RedisPid && $$ == $Parent) {
        kill "KILL", $RedisPid;
        waitpid $RedisPid, 0;
    }
}

$ENV{TEST_NGINX_REDIS_PORT} = start_redis();

our $Demo = do {
    local $/;
    open my $f, "<", "tests/core/data/demo.json" or die "demo.json: $!\n";
    <$f>;
};

add_block_preprocessor(sub {
    my $block = shift;
    my $files = $block->user_files // "";
    $block->set_value("user_files",
                      ">>> store/demo/media.json\n$main::Demo\n$files");
    if (!defined $block->http_config) {
        $block->set_value("http_config", <<'_EOC_');
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT budget=2s;
    vidorigin_views on flush=100ms;
    vidorigin_purge zone=purge:1m journal=$TEST_NGINX_HTML_DIR/purge.journal;
_EOC_
    }
    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
    }
    location /admin/ {
        vidorigin_admin;
        vidorigin_admin_secret 0123456789abcdef;
    }
    location = /ping {
        vidorigin_redis_ping;
    }
_EOC_
    }
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: playback starts are counted, nothing else is
--- request eval
["GET /v/demo/master.m3u8", "GET /v/demo/master-ts.m3u8",
 "GET /v/demo/manifest.mpd", "GET /v/demo/720p/index.m3u8",
 "GET /v/demo/nosuch/master.m3u8", "GET /v/nosuch/master.m3u8",
 "HEAD /v/demo/master.m3u8", "GET /admin/status"]
--- more_headers eval
["", "", "", "", "", "", "", "Authorization: Bearer 0123456789abcdef"]
--- error_code eval
[200, 200, 200, 200, 404, 404, 200, 200]
--- response_body_like eval
[qr/EXTM3U/, qr/EXTM3U/, qr/MPD/, qr/EXTM3U/, qr//, qr//, qr/^$/,
 qr/\nvidorigin_redis_connected 1\n.*\nvidorigin_views_counted_total 3\n/s]
--- no_error_log
[error]
[alert]



=== TEST 2: a budgeted call: PING through vidorigin_redis_ping
--- request
GET /ping
--- error_code: 200
--- response_body
PONG
--- no_error_log
[error]



=== TEST 3: views flushed to Redis show on the status endpoint
--- request eval
["GET /v/demo/master.m3u8", "GET /v/demo/master.m3u8",
 "GET /admin/status"]
--- more_headers eval
["", "", "Authorization: Bearer 0123456789abcdef"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/EXTM3U/, qr/EXTM3U/,
 qr/\nvidorigin_views_dropped_total\{reason="down"\} 0\n/]
--- no_error_log
[error]



=== TEST 4: Redis absent: playback served, views dropped, PING "down"
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_RAND_PORT_1;
    vidorigin_views on flush=100ms;
    vidorigin_purge zone=purge:1m journal=$TEST_NGINX_HTML_DIR/purge.journal;
--- request eval
["GET /v/demo/master.m3u8", "GET /ping", "GET /admin/status"]
--- more_headers eval
["", "", "Authorization: Bearer 0123456789abcdef"]
--- error_code eval
[200, 503, 200]
--- response_body_like eval
[qr/EXTM3U/, qr/^down$/,
 qr/\nvidorigin_redis_connected 0\n.*\nvidorigin_redis_calls_failed_total\{reason="down"\} 1\n.*\nvidorigin_views_counted_total 1\n/s]
--- no_error_log
[crit]
[alert]



=== TEST 5: counting off: no view, Redis still usable
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT budget=2s;
    vidorigin_views off;
    vidorigin_purge zone=purge:1m journal=$TEST_NGINX_HTML_DIR/purge.journal;
--- request eval
["GET /v/demo/master.m3u8", "GET /ping", "GET /admin/status"]
--- more_headers eval
["", "", "Authorization: Bearer 0123456789abcdef"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/EXTM3U/, qr/^PONG$/, qr/\nvidorigin_views_counted_total 0\n/]
--- no_error_log
[error]



=== TEST 6: vidorigin_views requires vidorigin_redis
--- http_config
    vidorigin_views on;
--- config
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
    }
--- request
GET /v/demo/master.m3u8
--- must_die
--- error_log eval
qr{\[emerg\] .*"vidorigin_views" requires "vidorigin_redis" in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 7: vidorigin_redis_ping requires vidorigin_redis
--- http_config
--- request
GET /ping
--- must_die
--- error_log eval
qr{\[emerg\] .*"vidorigin_redis_ping" directive requires "vidorigin_redis" before it at http level in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 8: a budget of 0 is refused
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT budget=0;
--- config
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
    }
--- request
GET /v/demo/master.m3u8
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "budget=0" in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 9: unknown vidorigin_views parameter
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    vidorigin_views on flush=100ms every=1s;
--- config
    location /v/ {
        vidorigin;
        vidorigin_store html/store;
    }
--- request
GET /v/demo/master.m3u8
--- must_die
--- error_log eval
qr{\[emerg\] .*invalid parameter "every=1s" in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 10: a full table drops the views of new keys until the flush
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    vidorigin_views on keys=1 flush=10s;
    vidorigin_purge zone=purge:1m journal=$TEST_NGINX_HTML_DIR/purge.journal;
--- user_files eval
">>> store/other/media.json\n" . ($main::Demo =~ s/"demo"/"other"/r)
--- request eval
["GET /v/demo/master.m3u8", "GET /v/other/master.m3u8",
 "GET /v/demo/master.m3u8", "GET /admin/status"]
--- more_headers eval
["", "", "", "Authorization: Bearer 0123456789abcdef"]
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[qr/EXTM3U/, qr/EXTM3U/, qr/EXTM3U/,
 qr/\nvidorigin_views_counted_total 3\n.*\nvidorigin_views_dropped_total\{reason="full"\} 1\n/s]
--- no_error_log
[error]
