# vidorigin: what the module keeps of a store is keyed by the store.  Two
# stores that both hold video "demo" (with different descriptions) never
# answer for each other: not through the shared media zone, not through
# a worker's manifest cache, not through a proxy cache keyed by
# $vidorigin_cache_key.  And a location without a trailing slash serves
# its ids only after a "/": "/vdemo/..." is not "/v/demo/...".
use Test::Nginx::Socket 'no_plan';
use File::Temp qw(tempdir);

no_shuffle();

# two stores of media descriptions only (every segment is "missing": the
# just-in-time location answers), each "demo" with its own name for the
# 1080p rendition, which every manifest lists
sub store_naming {
    my ($name) = @_;
    my $dir = tempdir(CLEANUP => 1);
    open my $in, '<', "$ENV{TEST_NGINX_STORE}/demo/media.json"
        or die "no sample video in $ENV{TEST_NGINX_STORE}: make sample\n";
    local $/;
    my $json = <$in>;
    close $in;
    $json =~ s/"1080p"/"$name"/g or die "unexpected demo/media.json\n";
    mkdir "$dir/demo" or die "$dir/demo: $!\n";
    open my $out, '>', "$dir/demo/media.json" or die "$dir: $!\n";
    print $out $json;
    close $out;
    chmod 0755, $dir;
    return $dir;
}

$ENV{TEST_NGINX_STORE_B} = store_naming('1080b');
$ENV{TEST_NGINX_STORE_C} = store_naming('1080c');
# the proxy cache of TEST 3, new for each run of this file
$ENV{TEST_NGINX_KEYS_CACHE} = tempdir(CLEANUP => 1);
chmod 0777, $ENV{TEST_NGINX_KEYS_CACHE};

our $B = qr/\b1080b\b/;
our $C = qr/\b1080c\b/;

run_tests();

__DATA__

=== TEST 1: the media zone: a description of store B is not store C's
--- config
    location /b/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE_B;
    }
    location /c/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE_C;
    }
--- request eval
["GET /b/demo/master.m3u8", "GET /c/demo/manifest.mpd",
 "GET /c/demo/master-ts.m3u8", "GET /b/demo/manifest.mpd"]
--- error_code eval
[200, 200, 200, 200]
--- response_body_like eval
[$::B, $::C, $::C, $::B]
--- response_body_unlike eval
[$::C, $::B, $::B, $::C]
--- no_error_log
[error]



=== TEST 2: the manifest cache: the same path below two prefixes, two stores
--- config
    location /b/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE_B;
    }
    location /c/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE_C;
    }
--- request eval
["GET /b/demo/master.m3u8", "GET /b/demo/master.m3u8",
 "GET /c/demo/master.m3u8", "GET /c/demo/master.m3u8",
 "GET /b/demo/master.m3u8"]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_body_like eval
[$::B, $::B, $::C, $::C, $::B]
--- no_error_log
[error]



=== TEST 3: $vidorigin_cache_key: two servers, one proxy cache, one path
--- http_config
    proxy_cache_path $TEST_NGINX_KEYS_CACHE keys_zone=keys:1m;

    server {
        listen 127.0.0.1:$TEST_NGINX_SERVER_PORT;
        server_name b.test;
        location /v/ {
            vidorigin;
            vidorigin_store $TEST_NGINX_STORE_B;
            vidorigin_jit @jit;
        }
        location @jit {
            proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
            proxy_set_header Host made-from-b.test;
            proxy_cache keys;
            proxy_cache_key $vidorigin_cache_key;
            proxy_cache_valid 200 1m;
            add_header X-Cache $upstream_cache_status always;
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_SERVER_PORT;
        server_name c.test;
        location /v/ {
            vidorigin;
            vidorigin_store $TEST_NGINX_STORE_C;
            vidorigin_jit @jit;
        }
        location @jit {
            proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
            proxy_set_header Host made-from-c.test;
            proxy_cache keys;
            proxy_cache_key $vidorigin_cache_key;
            proxy_cache_valid 200 1m;
            add_header X-Cache $upstream_cache_status always;
        }
    }

    server {
        listen 127.0.0.1:$TEST_NGINX_SERVER_PORT;
        server_name made-from-b.test made-from-c.test;
        location / {
            return 200 "$host\n";
        }
    }
--- config
--- request eval
["GET /v/demo/720p/0.m4s", "GET /v/demo/720p/0.m4s",
 "GET /v/demo/720p/0.m4s", "GET /v/demo/720p/0.m4s"]
--- more_headers eval
["Host: b.test", "Host: c.test", "Host: b.test", "Host: c.test"]
--- error_code eval
[200, 200, 200, 200]
--- response_body eval
["made-from-b.test\n", "made-from-c.test\n", "made-from-b.test\n",
 "made-from-c.test\n"]
--- response_headers eval
["X-Cache: MISS", "X-Cache: MISS", "X-Cache: HIT", "X-Cache: HIT"]
--- no_error_log
[error]



=== TEST 4: "location /v": the id starts after "/v/", never right after "/v"
--- config
    location /v {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request eval
["GET /v/demo/master.m3u8", "GET /vdemo/master.m3u8",
 "GET /vdemo/720p/0.m4s", "GET /v"]
--- error_code eval
[200, 404, 404, 404]
--- no_error_log
[error]



=== TEST 5: "/vdemo/...": refused once, logged at info
--- config
    location /v {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request
GET /vdemo/master.m3u8
--- error_code: 404
--- error_log eval
qr{\[info\] .* vidorigin: "/vdemo/master\.m3u8": outside the location prefix}
--- no_error_log
[error]



=== TEST 6: "location /v/": unchanged
--- config
    location /v/ {
        vidorigin;
        vidorigin_store $TEST_NGINX_STORE;
    }
--- request eval
["GET /v/demo/master.m3u8", "GET /v//demo/master.m3u8"]
--- error_code eval
[200, 400]
--- no_error_log
[error]
