# vidorigin: the playback API.  GET /api/v1/videos/{id} answers JSON for
# one viewer: catalog metadata from Redis, duration and renditions from
# the media description, and playback URLs on the CDN host or, signed, on
# the origin host, by the placement hint of the viewer's region (MaxMind DB
# fixture, addresses set through realip).  Redis absent or down: the
# answer still comes, without catalog fields, with the default placement.
# A real redis-server on a free loopback port is started by this file.
use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use JSON::PP;
use Digest::SHA qw(hmac_sha256_hex);
use File::Temp qw(tempdir);
use FindBin;

$ENV{TEST_NGINX_HTML_DIR} ||= html_dir();

our ($RedisPid, $Parent) = (undef, $$);

sub free_port {
    for (1 .. 100) {
        my $p = 20000 + int rand 30000;
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                                      LocalPort => $p, Listen => 1,
                                      ReuseAddr => 1) or next;
        close $s;
        return $p;
    }
    die "no free port\n";
}

sub start_redis {
    my $port = free_port();
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
    local $?;
    if ($RedisPid && $$ == $Parent) {
        kill "KILL", $RedisPid;
        waitpid $RedisPid, 0;
    }
}

# one Redis command, RESP over a plain socket
sub redis {
    my @args = @_;
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
                                  PeerPort => $ENV{TEST_NGINX_REDIS_PORT})
        or die "redis: $!\n";
    my $cmd = "*" . @args . "\r\n";
    $cmd .= "\$" . length($_) . "\r\n$_\r\n" for @args;
    print $s $cmd;
    my $line = <$s>;
    close $s;
    die "redis: $line" if $line =~ /^-/;
    return $line;
}

$ENV{TEST_NGINX_REDIS_PORT} = start_redis();
$ENV{TEST_NGINX_DEAD_PORT} = free_port();
# the catalog and hint reads must fit the budget: under valgrind nginx runs
# some 20 times slower, and a 50 ms budget is then missed (no catalog)
$ENV{TEST_NGINX_REDIS_BUDGET} = $ENV{TEST_NGINX_USE_VALGRIND} ? '2s' : '50ms';

my $fixtures = tempdir(CLEANUP => 1);
system($^X, "$FindBin::Bin/../tests/region/make-mmdb.pl",
       "$fixtures/a.mmdb") == 0 or die "make-mmdb.pl failed\n";
$ENV{TEST_NGINX_REGION_DB} = "$fixtures/a.mmdb";

our $SECRET = '0123456789abcdef-direct';
our $Demo = do {
    local $/;
    open my $f, "<", "$FindBin::Bin/../tests/core/data/codecs.json"
        or die "codecs.json: $!\n";
    <$f>;
};
$Demo =~ s/"codecs"/"demo"/g;

# two videos whose crc32 differ in the last bit only: the hint cache
# once put them in the same slot (TEST 12)
our @Pair = ('kbhsgi7cdt', 'p6aw95vts7');
our $PairFiles = join '', map { (my $m = $Demo) =~ s/"demo"/"$_"/g;
                                ">>> store/$_/media.json\n$m" } @Pair;

my $later = time() + 3600;
redis('HSET', 'vo:video:demo', 'title', "A \"quoted\" title \x{e9}t\x{e9} \\ \n",
      'creator', 'vidorigin', 'language', 'fr', 'tags', '["a","b"]',
      'thumbnails', '[{"url":"https://i.example/1.jpg","width":320,"height":180}]',
      'ads', '{not json');
utf8::encode(my $t = "A \"quoted\" title \x{e9}t\x{e9} \\ \n");
redis('HSET', 'vo:video:demo', 'title', $t);
# videos ingest knows and that are not playable yet (no media.json)
redis('HSET', 'vo:video:up1', 'title', 'Uploaded', 'status', 'processing',
      'progress', '0.25', 'error', '');
redis('HSET', 'vo:video:up2', 'status', 'failed', 'progress', '0.5',
      'error', 'chunk 3: decode error');
redis('HSET', 'vo:video:up3', 'title', 'no status', 'status', 'done',
      'progress', '7');
redis('HSET', 'vo:hint:demo', 'JP', "cdn 41.250 $later",
      'US', "origin 0.500 $later", 'DE', "cdn 30.000 " . (time() - 10),
      'FR', 'garbage');
redis('HSET', "vo:hint:$Pair[0]", 'US', "origin 0.500 $later");
redis('HSET', "vo:hint:$Pair[1]", 'US', "cdn 41.250 $later");

# the answer, summed up on one line; origin URLs' signatures checked
sub summary {
    my $body = shift;
    my $j = eval { JSON::PP->new->utf8->decode($body) };
    return "not JSON: $body" unless $j;
    return "error=$j->{error}\n" if $j->{error};
    my $p = $j->{playback};
    my $sig = '';
    if ($p->{hls} =~ /\?exp=(\d+)&sig=([0-9a-f]{64})$/) {
        my ($exp, $got) = ($1, $2);
        my $want = hmac_sha256_hex("vidorigin-v1\n$j->{id}\n$exp", $SECRET);
        $sig = $got eq $want && $exp > time() && $p->{expires} == $exp
               ? " signed" : " BADSIG";
    }
    (my $hls = $p->{hls}) =~ s/\?.*//;
    (my $dash = $p->{dash}) =~ s/\?.*//;
    my @r = map { $_->{name} } @{ $j->{renditions} };
    return "region=$j->{region} device=$j->{device} "
         . "placement=$j->{placement}/$j->{placement_from} "
         . "catalog=" . ($j->{catalog} ? 1 : 0) . " hls=$hls dash=$dash$sig "
         . "renditions=" . join(',', @r) . "\n";
}

# a block with --- init runs on the previous block's nginx (no
# configuration of its own: see t/lib/README.md)
add_block_preprocessor(sub {
    my $block = shift;
    return if defined $block->init;
    $block->set_value("user_files",
                      ">>> store/demo/media.json\n$main::Demo$main::PairFiles");
    if (!defined $block->http_config) {
        $block->set_value("http_config", <<'_EOC_');
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT budget=$TEST_NGINX_REDIS_BUDGET;
    vidorigin_views on flush=100ms;
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    vidorigin_hint_cache zone=hints:1m valid=1s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
_EOC_
    }
    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    vidorigin_store $TEST_NGINX_HTML_DIR/store;
    vidorigin_direct_secret 0123456789abcdef-direct;
    vidorigin_api_cdn_host https://cdn.example.com;
    vidorigin_api_origin_host https://origin.example.com;
    location /api/v1/videos/ {
        vidorigin_api;
    }
_EOC_
    }
});

no_shuffle();
run_tests();

__DATA__

=== TEST 1: by region: JP's hint says CDN, US's says origin (signed), DE's expired, FR's malformed, ZZ none
--- request eval
[("GET /api/v1/videos/demo") x 5]
--- more_headers eval
["X-Forwarded-For: 127.0.0.9", "X-Forwarded-For: 127.0.1.9",
 "X-Forwarded-For: 127.0.2.9", "X-Forwarded-For: 127.0.3.9",
 "X-Forwarded-For: 127.0.3.10"]
--- response_body_filters eval
\&main::summary
--- response_body eval
["region=JP device=desktop placement=cdn/hint catalog=1 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n",
 "region=US device=desktop placement=origin/hint catalog=1 hls=https://origin.example.com/v/demo/master.desktop.m3u8 dash=https://origin.example.com/v/demo/manifest.desktop.mpd signed renditions=1080p,720p,360p\n",
 "region=DE device=desktop placement=cdn/default catalog=1 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n",
 "region=ZZ device=desktop placement=cdn/default catalog=1 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n",
 "region=ZZ device=desktop placement=cdn/default catalog=1 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n"]
--- response_headers eval
[("Content-Type: application/json\nCache-Control: no-store\nCDN-Cache-Control: no-store") x 5]
--- no_error_log
[error]



=== TEST 2: the catalog: escaped, UTF-8, JSON fields as they are, a field that is not JSON left out
--- request
GET /api/v1/videos/demo
--- response_body_like eval
qr/\A\{"id":"demo","ready":true,"duration_ms":12000,"title":"A \\"quoted\\" title \x{c3}\x{a9}t\x{c3}\x{a9} \\\\ \\u000a","creator":"vidorigin","language":"fr","thumbnails":\[\{"url":"https:\/\/i.example\/1.jpg","width":320,"height":180\}\],"tags":\["a","b"\],"catalog":true,/
--- error_log eval
qr{\[warn\] .* vidorigin: catalog of "demo": field "ads" is not JSON, left out, client: }
--- no_error_log
[error]



=== TEST 3: the default placement can be the origin; the device class picks the URLs and renditions
--- config
    vidorigin_store $TEST_NGINX_HTML_DIR/store;
    vidorigin_direct_secret 0123456789abcdef-direct;
    vidorigin_api_cdn_host https://cdn.example.com;
    vidorigin_api_origin_host https://origin.example.com;
    vidorigin_api_default origin;
    location /api/v1/videos/ {
        vidorigin_api;
    }
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT budget=$TEST_NGINX_REDIS_BUDGET;
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    vidorigin_device_class mobile max_height=720 codecs=av01,hvc1,avc1;
    vidorigin_device_ua "iPhone" mobile;
--- request eval
[("GET /api/v1/videos/demo") x 2]
--- more_headers eval
["X-Forwarded-For: 127.0.2.9\nUser-Agent: Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X)",
 "X-Forwarded-For: 127.0.0.9"]
--- response_body_filters eval
\&main::summary
--- response_body eval
["region=DE device=mobile placement=origin/default catalog=1 hls=https://origin.example.com/v/demo/master.mobile.m3u8 dash=https://origin.example.com/v/demo/manifest.mobile.mpd signed renditions=720p-av1,360p-av1,720p-hevc,360p-hevc,720p,360p\n",
 "region=JP device=desktop placement=cdn/hint catalog=1 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n"]
--- no_error_log
[error]



=== TEST 4: unknown video, bad id: 404 in JSON
--- request eval
["GET /api/v1/videos/nosuch", "GET /api/v1/videos/a.b",
 "GET /api/v1/videos/", "GET /api/v1/videos/demo/x"]
--- error_code eval
[404, 404, 404, 404]
--- response_body eval
[("{\"error\":\"no such video\"}\n") x 4]
--- no_error_log
[error]



=== TEST 5: Redis down: the answer still comes, at once, from the media description, the default placement
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT budget=50ms;
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
--- request eval
[("GET /api/v1/videos/demo") x 2]
--- more_headers eval
["X-Forwarded-For: 127.0.1.9", "X-Forwarded-For: 127.0.0.9"]
--- timeout: 1
--- response_body_filters eval
\&main::summary
--- response_body eval
["region=US device=desktop placement=cdn/default catalog=0 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n",
 "region=JP device=desktop placement=cdn/default catalog=0 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n"]
--- no_error_log
[crit]
[alert]



=== TEST 6: no Redis configured at all
--- http_config
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
--- request
GET /api/v1/videos/demo
--- response_body_filters eval
\&main::summary
--- response_body
region=JP device=desktop placement=cdn/default catalog=0 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p
--- no_error_log
[error]



=== TEST 7: the signed origin URL plays: its manifest is 200 with the token carried on
--- config
    vidorigin_store $TEST_NGINX_HTML_DIR/store;
    vidorigin_direct_secret 0123456789abcdef-direct;
    vidorigin_api_cdn_host https://cdn.example.com;
    vidorigin_api_origin_host http://127.0.0.1:$TEST_NGINX_SERVER_PORT;
    location /api/v1/videos/ {
        vidorigin_api;
    }
    location /v/ {
        vidorigin;
    }
    location = /t {
        return 200;
    }
--- request eval
["GET /api/v1/videos/demo"]
--- more_headers
X-Forwarded-For: 127.0.1.9
--- response_body_like eval
qr{"hls":"http://127\.0\.0\.1:\d+/v/demo/master\.desktop\.m3u8\?exp=\d+&sig=[0-9a-f]{64}"}
--- no_error_log
[error]



=== TEST 8: configuration: the API needs an origin host
--- config
    location /api/v1/videos/ {
        vidorigin_api;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*vidorigin_api needs vidorigin_api_origin_host \(and vidorigin_api_cdn_host\) in \S+/nginx\.conf:\d+$}
--- no_error_log
[crit]
[alert]



=== TEST 9: region from a trusted CDN header; a forged one ignored (the DB answers)
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT budget=$TEST_NGINX_REDIS_BUDGET;
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    vidorigin_cdn_secret X-Origin-Verify 0123456789abcdef-cdn;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
--- request eval
[("GET /api/v1/videos/demo") x 3]
--- more_headers eval
["X-Forwarded-For: 127.0.0.9\nX-Origin-Verify: 0123456789abcdef-cdn\nCloudFront-Viewer-Country: us",
 "X-Forwarded-For: 127.0.0.9\nCloudFront-Viewer-Country: US",
 "X-Forwarded-For: 127.0.3.9\nX-Origin-Verify: wrong-secret-0123456\nCF-IPCountry: US"]
--- response_body_filters eval
\&main::summary
--- response_body eval
["region=US device=desktop placement=origin/hint catalog=1 hls=https://origin.example.com/v/demo/master.desktop.m3u8 dash=https://origin.example.com/v/demo/manifest.desktop.mpd signed renditions=1080p,720p,360p\n",
 "region=JP device=desktop placement=cdn/hint catalog=1 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n",
 "region=ZZ device=desktop placement=cdn/default catalog=1 hls=https://cdn.example.com/v/demo/master.desktop.m3u8 dash=https://cdn.example.com/v/demo/manifest.desktop.mpd renditions=1080p,720p,360p\n"]
--- no_error_log
[error]



=== TEST 10: not playable yet: the catalog's ingest status, ready false, no playback
--- request eval
["GET /api/v1/videos/up1", "GET /api/v1/videos/up2"]
--- response_body eval
["{\"id\":\"up1\",\"ready\":false,\"title\":\"Uploaded\",\"status\":\"processing\",\"progress\":0.25,\"error\":\"\",\"catalog\":true}\n",
 "{\"id\":\"up2\",\"ready\":false,\"status\":\"failed\",\"progress\":0.5,\"error\":\"chunk 3: decode error\",\"catalog\":true}\n"]
--- no_error_log
[error]



=== TEST 11: no media description and no valid status: 404, the bad fields logged
--- request
GET /api/v1/videos/up3
--- error_code: 404
--- response_body
{"error":"no such video"}
--- error_log eval
[qr{\[warn\] .* vidorigin: catalog of "up3": field "status" is not uploading, processing, ready or failed, left out},
 qr{\[warn\] .* vidorigin: catalog of "up3": field "progress" is not a number from 0 to 1, left out}]
--- no_error_log
[error]



=== TEST 12: the hint cache: two videos, one region, two slots (hints kept 60 s)
--- http_config
    vidorigin_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT budget=$TEST_NGINX_REDIS_BUDGET;
    vidorigin_geoip_db $TEST_NGINX_REGION_DB;
    vidorigin_hint_cache zone=hints:1m valid=60s;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
--- request eval
["GET /api/v1/videos/$::Pair[0]", "GET /api/v1/videos/$::Pair[1]"]
--- more_headers eval
[("X-Forwarded-For: 127.0.1.9") x 2]
--- response_body_filters eval
\&main::summary
--- response_body eval
["region=US device=desktop placement=origin/hint catalog=1 hls=https://origin.example.com/v/$::Pair[0]/master.desktop.m3u8 dash=https://origin.example.com/v/$::Pair[0]/manifest.desktop.mpd signed renditions=1080p,720p,360p\n",
 "region=US device=desktop placement=cdn/hint catalog=1 hls=https://cdn.example.com/v/$::Pair[1]/master.desktop.m3u8 dash=https://cdn.example.com/v/$::Pair[1]/manifest.desktop.mpd renditions=1080p,720p,360p\n"]
--- no_error_log
[error]



=== TEST 13: the first video's hint is still in the cache (Redis changed meanwhile)
--- init
main::redis('HSET', "vo:hint:$main::Pair[0]", 'US', "cdn 1.000 " . (time() + 3600));
--- request
GET /api/v1/videos/kbhsgi7cdt
--- more_headers
X-Forwarded-For: 127.0.1.9
--- response_body_filters eval
\&main::summary
--- response_body
region=US device=desktop placement=origin/hint catalog=1 hls=https://origin.example.com/v/kbhsgi7cdt/master.desktop.m3u8 dash=https://origin.example.com/v/kbhsgi7cdt/manifest.desktop.mpd signed renditions=1080p,720p,360p
--- no_error_log
[error]
