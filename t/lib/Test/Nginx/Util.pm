# Copyright (c) vidorigin contributors.  SPDX-License-Identifier: BSD-2-Clause
#
# Test::Nginx::Util - the nginx side of vidorigin's stand-in for CPAN's
# Test::Nginx (openresty/test-nginx): settings, nginx.conf generation, the
# server root, starting and stopping nginx, reading error.log, valgrind.
#
# Loaded only when the genuine Test::Nginx is not installed (scripts/run-t.sh
# adds t/lib to @INC in that case alone), so the suites under t/ keep running
# unchanged under the genuine module.  Only the subset the project uses is
# implemented; see t/lib/README or the report of the harness for the list.
#
# As the genuine harness: nginx is started for every block that has its
# own "--- config" (with "-e <servroot>/logs/error.log", so that messages
# logged while the configuration is read land in the test's error.log);
# a block without one runs on the previous block's nginx, files and
# error.log.  Where the two differ, a suite can only fail here where it
# would fail there.
#
# Differences from the genuine harness, on purpose:
#   - nginx runs with "daemon off" as a direct child (fork/exec, own process
#     group) and is reaped with waitpid; every wait for it is bounded.
#   - the test server listens on 127.0.0.1 only.
#   - with TEST_NGINX_USE_VALGRIND the valgrind report of each nginx run is
#     scanned and the block fails when it shows an invalid access or a
#     definite leak in a stack that matches TEST_NGINX_VALGRIND_MATCH.

package Test::Nginx::Util;

use strict;
use warnings;

our $VERSION = '0.01';

use base 'Exporter';

use POSIX qw(:sys_wait_h SIGQUIT SIGTERM SIGKILL);
use Time::HiRes qw(sleep time);
use File::Spec ();
use File::Path qw(make_path remove_tree);
use List::Util qw(shuffle);
use IO::Socket::INET ();
use Carp qw(croak);

use Test::Nginx::Valgrind ();

our @EXPORT = qw(
    env_to_nginx is_str no_long_string $NoLongString
    $ServerAddr server_addr $ServerName server_name
    $ServerPort $ServerPortForClient server_port server_port_for_client
    $ServRoot $ConfFile $PidFile $HtmlDir $ErrLogFile $NginxVersion
    $RunTestHelper $CheckErrorLog $RepeatEach
    bail_out add_cleanup_handler error_log_data access_log_data
    setup_server_root write_config_file get_nginx_version get_canon_version
    parse_time parse_headers trim show_all_chars run_tests
    add_block_preprocessor timeout worker_connections workers master_on
    master_off master_process_enabled config_preamble repeat_each
    log_level no_shuffle no_root_location html_dir server_root
    no_nginx_manager use_hup check_accum_error_log sleep_time verbose
    is_running
);

# --- settings, from the environment first, as the genuine harness reads them

our $Verbose         = $ENV{TEST_NGINX_VERBOSE};
our $NginxBinary     = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $LoadModules     = $ENV{TEST_NGINX_LOAD_MODULES};
our $NoShuffle       = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $UseValgrind     = $ENV{TEST_NGINX_USE_VALGRIND};
our $Timeout         = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $LogLevel        = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $WorkerUser      = $ENV{TEST_NGINX_WORKER_USER};
our $CheckAccumErrLog = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $NoNginxManager  = $ENV{TEST_NGINX_NO_NGINX_MANAGER} || 0;
our $NoClean         = $ENV{TEST_NGINX_NO_CLEAN};
our $TestNginxSleep  = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $Randomize       = $ENV{TEST_NGINX_RANDOMIZE};

our $ServerAddr      = '127.0.0.1';
our $ServerName      = 'localhost';
our $Workers         = 1;
our $WorkerConnections = 64;
our $RepeatEach      = 1;
our $NoRootLocation  = 0;
our $NoLongString;
our $ConfigPreamble  = '';
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;

# how long nginx may take to listen, and to exit once asked to
our $StartWait = $UseValgrind ? 60 : 10;
our $StopWait  = $UseValgrind ? 60 : 5;

if ($ENV{TEST_NGINX_CHECK_LEAK}) {
    warn "WARNING: TEST_NGINX_CHECK_LEAK is not supported by this harness "
         . "and is ignored\n";
}

srand $$;

our $ServerPort = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT}
                  || 1984;

if ($Randomize) {
    $ServerPort = free_port({});
    defined $ServerPort
        or die "cannot find a free port on $ServerAddr\n";
}

our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;

our $ServRoot = $Randomize
    ? File::Spec->rel2abs("t/servroot_$ServerPort")
    : ($ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot'));
$ServRoot = File::Spec->rel2abs($ServRoot);
$ServRoot =~ s{/+$}{};
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

our $LogDir     = "$ServRoot/logs";
our $ErrLogFile = "$LogDir/error.log";
our $AccLogFile = "$LogDir/access.log";
our $HtmlDir    = "$ServRoot/html";
our $ConfDir    = "$ServRoot/conf";
our $ConfFile   = "$ConfDir/nginx.conf";
our $PidFile    = "$LogDir/nginx.pid";
our $StderrFile = "$LogDir/nginx.stderr";
our $ValgrindLog = "$LogDir/valgrind.log";

our ($NginxVersion, $NginxRawVersion);
our $RunTestHelper;     # set by Test::Nginx::Socket: runs a block's requests
our $CheckErrorLog;     # set by Test::Nginx::Socket: error_log checks
our $ChildPid;          # the running nginx (or valgrind) process
our $ErrLogFilePos = 0;
our $PrevConfig;
our $RandPorts = {};   # the running block's $TEST_NGINX_RAND_PORT_N
our $InChild;

# --- small setters, named and behaving as in the genuine harness

sub env_to_nginx {
    croak "env_to_nginx: no arguments specified" unless @_;
    for my $v (@_) {
        croak "env_to_nginx: bad argument value: $v"
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @EnvToNginx, $v;
    }
}

sub no_long_string ()        { $NoLongString = 1 }
sub no_shuffle ()            { $NoShuffle = 1 }
sub no_root_location ()      { $NoRootLocation = 1 }
sub no_nginx_manager ()      { $NoNginxManager = 1 }
sub use_hup ()               { }    # every block restarts nginx anyway
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub master_on ()             { $MasterProcessEnabled = 'on' }
sub master_off ()            { $MasterProcessEnabled = 'off' }
sub config_preamble ($)      { $ConfigPreamble = shift }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_cleanup_handler ($)  { unshift @CleanupHandlers, shift }
sub html_dir ()              { $HtmlDir }
sub server_root ()           { $ServRoot }
sub sleep_time ()            { $TestNginxSleep }
sub verbose ()               { $Verbose }

sub _getset {
    my ($ref, @args) = @_;
    $$ref = $args[0] if @args;
    return $$ref;
}

sub server_addr (@)            { _getset(\$ServerAddr, @_) }
sub server_name (@)            { _getset(\$ServerName, @_) }
sub server_port (@)            { _getset(\$ServerPort, @_) }
sub server_port_for_client (@) { _getset(\$ServerPortForClient, @_) }
sub timeout (@)                { _getset(\$Timeout, @_) }
sub workers (@)                { _getset(\$Workers, @_) }
sub worker_connections (@)     { _getset(\$WorkerConnections, @_) }
sub log_level (@)              { _getset(\$LogLevel, @_) }
sub repeat_each (@)            { _getset(\$RepeatEach, @_) }

sub master_process_enabled (@) {
    $MasterProcessEnabled = $_[0] ? 'on' : 'off' if @_;
    return $MasterProcessEnabled;
}

sub is_running ($) {
    my $pid = shift;
    return $pid && kill(0, $pid);
}

# Test::LongString prints a readable diff of long strings; it is optional.
my $HaveLongString = eval { require Test::LongString; 1 };

sub is_str (@) {
    my ($got, $expected, $desc) = @_;

    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }

    if ($NoLongString || !$HaveLongString) {
        return Test::More::is($got, $expected, $desc);
    }

    return Test::LongString::is_string($got, $expected, $desc);
}

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

sub parse_time ($) {
    my $tm = shift;
    return $tm unless defined $tm;
    if ($tm =~ s/([^_a-zA-Z])ms$/$1/) {
        $tm /= 1000;
    } else {
        $tm =~ s/([^_a-zA-Z])s$/$1/;
    }
    return $tm;
}

sub trim ($) {
    my $s = shift;
    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /g;
    $s =~ s/\s{2,}/ /g;
    return $s;
}

sub show_all_chars ($) {
    my $s = shift;
    $s =~ s/\n/\\n/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\t/\\t/g;
    return $s;
}

# "Name: value" lines -> { Name => value }; "!Name" -> { Name => undef }
sub parse_headers ($) {
    my $text = shift;
    my %h;
    for my $line (split /\n/, $text) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        if ($line =~ s/^!\s*//) {
            $h{$line} = undef;
            next;
        }
        my ($k, $v) = split /\s*:\s*/, $line, 2;
        $h{$k} = $v;
    }
    return \%h;
}

sub get_canon_version (@) {
    return sprintf "%d.%03d%03d", $_[0], $_[1], $_[2];
}

sub get_nginx_version () {
    my $out = `$NginxBinary -V 2>&1`;
    if (!defined $out || $? != 0) {
        bail_out("cannot run \"$NginxBinary -V\": " . ($out // $!));
    }
    if ($out =~ m{(?:nginx|openresty)[^/]*/(\d+)\.(\d+)\.(\d+)}) {
        $NginxRawVersion = "$1.$2.$3";
        return get_canon_version($1, $2, $3);
    }
    bail_out("cannot parse the output of \"$NginxBinary -V\": $out");
}

# --- ports

sub port_is_free {
    my $port = shift;
    my $s = IO::Socket::INET->new(LocalAddr => $ServerAddr,
                                  LocalPort => $port, Proto => 'tcp',
                                  ReuseAddr => 1, Listen => 1);
    return 0 unless $s;
    close $s;
    return 1;
}

sub free_port {
    my $used = shift;
    for (1 .. 1000) {
        my $port = 1985 + int rand(60000 - 1985);
        next if $used->{$port} || $port == ($ServerPort // 0);
        return $port if port_is_free($port);
    }
    return undef;
}

# --- $TEST_NGINX_* in configuration text and user files

sub expand_env_in_text ($$$) {
    my ($text, $name, $rand_ports) = @_;
    return $text unless defined $text;

    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        my $val;
        if ($var =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
            $val = $rand_ports->{$var} //= do {
                my %used = map { $_ => 1 } grep { defined }
                           values %$rand_ports;
                free_port(\%used)
                    // bail_out("$name - no free port for \$$var");
            };
        } else {
            defined $ENV{$var}
                or bail_out("$name - No environment $var defined.\n");
            $val = $ENV{$var};
        }
        $val;
    }ge;

    return $text;
}

# --- server root

sub setup_server_root () {
    # Remove only what this harness creates, so that a TEST_NGINX_SERVROOT
    # pointing somewhere unexpected does not lose anybody's data.
    if (-d $ServRoot) {
        remove_tree($ConfDir, $HtmlDir, $LogDir,
                    glob("$ServRoot/*_temp"), glob("$ServRoot/*_cache"));
    }
    for my $d ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        next if -d $d;
        make_path($d) or bail_out("cannot create directory $d: $!");
    }

    open my $out, '>', "$HtmlDir/index.html"
        or bail_out("cannot write $HtmlDir/index.html: $!");
    print $out "<html><body>test server root</body></html>";
    close $out;
}

sub write_user_files ($$) {
    my ($block, $rand_ports) = @_;
    my $name = $block->name;
    my $files = $block->user_files;
    return unless $files;

    if (!ref $files) {
        my @list;
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+?))?\s*$/) {
                push @list, [$1, undef, $2];
            } elsif (@list) {
                $list[-1][1] .= $line;
            }
        }
        $files = \@list;

    } elsif (ref $files ne 'ARRAY') {
        bail_out("$name - user_files: only text or an array is accepted");
    }

    for my $f (@$files) {
        my ($fname, $body, $date) = @$f;
        $body //= '';
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        if ($path =~ m{(.*)/} && !-d $1) {
            make_path($1) or bail_out("$name - cannot create $1: $!");
        }
        $body = expand_env_in_text($body, $name, $rand_ports);
        open my $out, '>', $path
            or bail_out("$name - cannot write $path: $!");
        binmode $out;
        print $out $body;
        close $out;

        if ($date) {
            # same format as touch -t: [[CC]YY]MMDDhhmm[.ss], in GMT
            local $ENV{TZ} = 'GMT';
            system('touch', '-t', $date, $path) == 0
                or bail_out("$name - touch -t '$date' $path failed");
        }
    }
}

# --- nginx.conf

sub write_config_file ($$$) {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;

    my $http_config = expand_env_in_text($block->http_config // '', $name,
                                         $rand_ports);
    my $main_config = $block->main_config // '';
    my $post_main_config = $block->post_main_config // '';
    my $server_name = $block->server_name // $ServerName;
    my $err_log_file = $block->error_log_file || $ErrLogFile;
    $config //= '';

    # the genuine harness appends the load_module lines to main_config
    if ($LoadModules) {
        my @mods = map { "load_module $_;" } grep { $_ ne '' }
                   split /\s+/, $LoadModules;
        $main_config .= join ' ', @mods;
    }
    $main_config = expand_env_in_text($main_config, $name, $rand_ports);
    $post_main_config = expand_env_in_text($post_main_config, $name,
                                           $rand_ports);

    my $env = join '', map { my $v = /\s/ ? "'$_'" : $_; "env $v;\n" }
              @EnvToNginx;

    my $user = '';
    if (defined $WorkerUser) {
        $user = "user $WorkerUser;\n";
    } elsif ($> == 0) {
        $user = "user root;\n";
    }

    my $root_location = $NoRootLocation ? '' : <<"EOF";
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
EOF

    open my $out, '>', $ConfFile
        or bail_out("cannot write $ConfFile: $!");
    print $out <<"EOF";
# generated by Test::Nginx::Util for $name
worker_processes  $Workers;
daemon off;
master_process $MasterProcessEnabled;
error_log $err_log_file $LogLevel;
pid       $PidFile;
env LD_PRELOAD;
env LD_LIBRARY_PATH;
env ASAN_OPTIONS;
$env
$main_config

http {
    access_log $AccLogFile;
    default_type text/plain;
    keepalive_timeout  68;

$http_config

    server {
        listen          $ServerAddr:$ServerPort;
        server_name     '$server_name';

        client_max_body_size 30M;

        # preamble
$ConfigPreamble

        # test block config
$config
        # end of test block config

$root_location    }
}

$post_main_config

events {
    accept_mutex off;
    worker_connections  $WorkerConnections;
}
$user
EOF
    close $out;
}

# --- starting and stopping nginx

sub nginx_command () {
    my @cmd = ($NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile);
    if (defined $NginxVersion && $NginxVersion >= 1.019005) {
        push @cmd, '-e', $ErrLogFile;
    }

    return @cmd unless $UseValgrind;
    return Test::Nginx::Valgrind::wrap_command($UseValgrind, $ValgrindLog,
                                               @cmd);
}

# The nginx child listens once one of its descriptors is a listening TCP
# socket on our port.  Looking it up in /proc makes no connection, so the
# error log stays free of "client closed connection" noise.
sub child_listens ($$) {
    my ($pid, $port) = @_;
    my %inodes;
    my $seen_proc;
    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $in, '<', $f or next;
        $seen_proc = 1;
        while (<$in>) {
            my @c = split ' ';
            next unless @c > 9 && $c[1] =~ /:([0-9A-F]{4})$/;
            next unless hex($1) == $port && $c[3] eq '0A';
            $inodes{$c[9]} = 1;
        }
        close $in;
    }

    if (!$seen_proc) {
        # not Linux: fall back on connecting
        my $s = IO::Socket::INET->new(PeerAddr => $ServerAddr,
                                      PeerPort => $port, Proto => 'tcp',
                                      Timeout => 0.2);
        return 0 unless $s;
        close $s;
        return 1;
    }

    return 0 unless %inodes;
    opendir my $dh, "/proc/$pid/fd" or return 0;
    for my $fd (readdir $dh) {
        my $l = readlink "/proc/$pid/fd/$fd" or next;
        if ($l =~ /^socket:\[(\d+)\]$/ && $inodes{$1}) {
            closedir $dh;
            return 1;
        }
    }
    closedir $dh;
    return 0;
}

sub read_file_tail ($$) {
    my ($file, $max) = @_;
    open my $in, '<', $file or return '';
    local $/;
    my $s = <$in> // '';
    close $in;
    $s = substr($s, -$max) if length $s > $max;
    return $s;
}

# Returns undef when nginx listens, otherwise a description of the failure.
# $must_die: nginx is expected to exit; returns [exit status] when it did.
sub start_nginx ($;$) {
    my ($name, $must_die) = @_;

    my @cmd = nginx_command();
    warn "$name - running @cmd\n" if $Verbose;

    my $pid = fork();
    bail_out("$name - fork() failed: $!") unless defined $pid;

    if ($pid == 0) {
        $InChild = 1;
        setpgrp(0, 0);
        die_with_parent();
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', '/dev/null';
        open STDERR, '>', $StderrFile;
        { no warnings 'exec'; exec { $cmd[0] } @cmd; }
        print STDERR "exec $cmd[0] failed: $!\n";
        POSIX::_exit(127);
    }

    $ChildPid = $pid;
    my $deadline = time + $StartWait;

    while (time < $deadline) {
        my $r = waitpid($pid, WNOHANG);
        if ($r == $pid) {
            my $status = $?;
            undef $ChildPid;
            return [$status] if $must_die;
            return exit_text($status) . ":\n"
                   . read_file_tail($StderrFile, 4000);
        }
        if (!$must_die && child_listens($pid, $ServerPort)) {
            return undef;
        }
        if ($must_die && child_listens($pid, $ServerPort)) {
            return "nginx started although it should have failed";
        }
        sleep 0.02;
    }

    return "nginx did not listen on $ServerAddr:$ServerPort within "
           . "$StartWait s:\n" . read_file_tail($StderrFile, 4000);
}

# Linux: have the kernel kill nginx if this test process dies without
# running its END block (SIGKILL, a crash).  Kept across exec.
sub die_with_parent () {
    my %sys_prctl = (x86_64 => 157, aarch64 => 167, i686 => 172,
                     i386 => 172, armv7l => 172);
    my $nr = $sys_prctl{(POSIX::uname())[4]} or return;
    syscall($nr, 1, SIGKILL);    # PR_SET_PDEATHSIG
}

sub exit_text ($) {
    my $status = shift;
    return "nginx exited with status " . ($status >> 8)
        if ($status & 127) == 0;
    return "nginx was killed by signal " . ($status & 127);
}

# QUIT, then TERM, then KILL of the whole process group; every wait bounded.
# Returns the exit status (or undef when there was nothing to stop).
sub stop_nginx ($) {
    my $name = shift;
    my $pid = $ChildPid;
    return undef unless defined $pid;
    undef $ChildPid;

    my $status;
    for my $step ([SIGQUIT, $StopWait], [SIGTERM, 2], [SIGKILL, 2]) {
        my ($sig, $wait) = @$step;
        # a master process has workers in its group: KILL them all
        kill($sig, $sig == SIGKILL ? -$pid : $pid);
        my $deadline = time + $wait;
        while (time < $deadline) {
            if (waitpid($pid, WNOHANG) == $pid) {
                $status = $?;
                last;
            }
            sleep 0.01;
        }
        last if defined $status;
        warn "$name - nginx (pid $pid) did not exit after signal $sig\n";
    }

    # orphaned workers of a master that died, if any
    kill(SIGKILL, -$pid) if kill(0, -$pid);
    unlink $PidFile;
    return $status;
}

sub cleanup () {
    return if $InChild;
    $_->() for @CleanupHandlers;
    stop_nginx('cleanup') if defined $ChildPid;
}

# --- error.log

sub error_log_data () {
    # log-phase lines are written after the response is sent
    sleep $TestNginxSleep * ($UseValgrind ? 20 : 3);

    open my $in, '<', $ErrLogFile or return [];
    seek $in, $ErrLogFilePos, 0 if !$CheckAccumErrLog && $ErrLogFilePos;
    my @lines = <$in>;
    $ErrLogFilePos = tell $in unless $CheckAccumErrLog;
    close $in;
    return \@lines;
}

sub access_log_data () {
    sleep $TestNginxSleep * 3;
    open my $in, '<', $AccLogFile or return [];
    my @lines = <$in>;
    close $in;
    return \@lines;
}

# --- the block loop

sub run_tests () {
    $NginxVersion = get_nginx_version();

    $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort
        unless defined $ENV{TEST_NGINX_SERVER_PORT};

    # prove's ^C or a TERM reaches the test, not nginx (own process group)
    local $SIG{INT} = local $SIG{TERM} = local $SIG{HUP} = sub {
        cleanup();
        exit 1;
    };

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;

    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', $0 . ' ' . $block->name);
        run_test($block);
    }

    finish_nginx() unless $NoClean;
    cleanup() unless $NoClean;
}

sub skip_count ($) {
    my $block = shift;
    my $name = $block->name;

    if (defined(my $spec = $block->skip_nginx)) {
        $spec =~ m{^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)
                   (?:\s*:\s*(.*?))?\s*$}x
            or bail_out("$name - Invalid --- skip_nginx spec: $spec");
        my ($n, $op, $reason) = ($1, $2, $6);
        my $ver = get_canon_version($3, $4, $5);
        my $skip = eval "$NginxVersion $op $ver";
        return ($n, $reason || "nginx version $op $3.$4.$5") if $skip;
    }

    if (defined(my $spec = $block->skip_eval)) {
        $spec =~ /^\s*(\d+)\s*:\s*(.*)/s
            or bail_out("$name - Invalid --- skip_eval spec: $spec");
        my ($n, $code) = ($1, $2);
        my $skip = eval $code;
        bail_out("$name - skip_eval - failed to eval \"$code\": $@") if $@;
        return ($n, 'skip_eval') if $skip;
    }

    return;
}

# The nginx now running was started for the block named $NginxStarter: it
# is stopped when the next block with a configuration starts its own, or
# at the end, and only then are its exit status and its valgrind report
# checked, in the name of that block.
our $NginxStarter;

sub finish_nginx () {
    return unless defined $ChildPid;
    my $name = $NginxStarter // 'cleanup';
    my $pid = $ChildPid;
    my $status = stop_nginx($name);

    if ($UseValgrind) {
        my @errs = Test::Nginx::Valgrind::errors($ValgrindLog, $LoadModules);
        if (@errs) {
            Test::More::fail("$name - valgrind reports " . scalar(@errs)
                             . " error(s) in our code (pid $pid)");
            Test::More::diag($_) for @errs;
        }
    }

    if (defined $status && ($status & 127) && ($status & 127) != SIGKILL) {
        Test::More::fail("$name - " . exit_text($status));
    }
}

sub run_test ($) {
    my $block = shift;
    my $name = $block->name;
    my $rand_ports = $RandPorts = {};

    # As in the genuine harness, a block without "--- config" does not
    # restart nginx: it runs on the previous block's nginx, configuration,
    # html directory and error.log (its error_log checks see the lines
    # since that nginx started), and its own user_files, http_config and
    # the like are not written.  A suite that passes here therefore passes
    # under the genuine harness too.
    my $config = $block->config;
    my $restart = defined $config && !$NoNginxManager;
    if (!defined $config && !$NoNginxManager) {
        defined $PrevConfig
            or bail_out("$name - No '--- config' section specified and "
                        . "could not get previous one");
        defined $block->must_die
            and bail_out("$name - --- must_die needs the block's own "
                         . "--- config");
    }

    local $LogLevel = $block->log_level || $LogLevel;

    my ($nskip, $reason) = skip_count($block);
    if (defined $nskip) {
        SKIP: { Test::More::skip("$name - $reason", $nskip) }
        return;
    }

    $config = expand_env_in_text($config, $name, $rand_ports);
    my $must_die = $block->must_die;

    # as in the genuine harness: a block where nginx must die is not run
    # under valgrind
    local $UseValgrind = defined $must_die ? undef : $UseValgrind;

    if ($restart) {
        $PrevConfig = $block->config;
        finish_nginx();
        unlink $ValgrindLog;
        setup_server_root();
        write_user_files($block, $rand_ports);
        write_config_file($block, $config, $rand_ports);
        $ErrLogFilePos = 0;
        $NginxStarter = $name;

        if (defined $must_die) {
            my $res = start_nginx($name, 1);
            if (ref $res) {
                my $code = $res->[0] >> 8;
                if ($must_die =~ /^\d+$/) {
                    Test::More::is($code, $must_die,
                                   "$name - die with the expected exit code");
                } else {
                    Test::More::isnt($res->[0], 0, "$name - die as expected");
                }
            } else {
                Test::More::fail("$name - $res");
                stop_nginx($name);
            }
            $CheckErrorLog->($block, undef, 0, 0, 0);
            return;
        }

        my $err = start_nginx($name);
        if (defined $err) {
            Test::More::fail("$name - nginx failed to start");
            Test::More::diag($err);
            stop_nginx($name);
            return;
        }
    }

    if ($block->init) {
        eval $block->init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (0 .. $RepeatEach - 1) {
        write_user_files($block, $rand_ports) if $i > 0;
        $RunTestHelper->($block, 0, $i);
    }
}

END {
    return if $InChild;
    my $keep = $NoClean;
    local $?;
    cleanup() unless $keep;
}

1;
