# Copyright (c) vidorigin contributors.  SPDX-License-Identifier: BSD-2-Clause
#
# Test::Nginx::Socket - vidorigin's stand-in for the module of the same name
# in CPAN's Test::Nginx (openresty/test-nginx): data-driven HTTP tests of
# nginx written as Test::Base blocks.  This file holds the client side:
# building requests from a block, talking to nginx over a plain socket,
# parsing the response and checking it against the block's sections.
# Test::Nginx::Util holds the nginx side.
#
# It is loaded only when the genuine module is absent (see scripts/run-t.sh)
# and implements the subset the project's suites use, with the same section
# names, the same defaults and the same number of assertions per section,
# so a .t file passes, fails and plans identically under both.

package Test::Nginx::Socket;

use strict;
use warnings;

use Test::Base -base;

our $VERSION = '0.01';

use Time::HiRes qw(sleep time);
use IO::Socket::INET ();
use IO::Select ();
use Errno qw(EAGAIN EWOULDBLOCK EINTR EINPROGRESS);
use Digest::MD5 ();
use Encode ();

use Test::Nginx::Util;

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test repeat_each config_preamble
    worker_connections master_process_enabled no_long_string workers
    master_on master_off log_level no_shuffle no_root_location use_hup
    server_name server_addr server_root html_dir server_port
    server_port_for_client timeout no_nginx_manager check_accum_error_log
    add_block_preprocessor bail_out add_cleanup_handler
    add_response_body_check
);

our @ResponseBodyChecks;

$Test::Nginx::Util::RunTestHelper = \&run_test_helper;
$Test::Nginx::Util::CheckErrorLog = \&check_error_log;

sub add_response_body_check ($) {
    push @ResponseBodyChecks, shift;
}

sub run_test ($) {
    Test::Nginx::Util::run_test(shift);
}

# --- building requests

# "more_headers" text -> ("Name: value\r\n"..., is_chunked)
sub parse_more_headers ($) {
    my $text = shift;
    my ($out, $chunked) = ('', 0);
    for my $line (split /\n+/, $text) {
        next if $line =~ /^\s*#/;
        my ($k, $v) = split /:\s*/, $line, 2;
        $v //= '';
        $chunked = 1 if lc($k) eq 'transfer-encoding' && $v eq 'chunked';
        $out .= "$k: $v\r\n";
    }
    return ($out, $chunked);
}

# "METHOD [URI [VERSION]]\nbody" -> the bytes of an HTTP request.
# Host and Connection are added unless more_headers has them; a body gets a
# Content-Length (and loses surrounding white space) unless the request is
# chunked or more_headers sets the length.
sub build_request ($$$$) {
    my ($name, $text, $more, $conn) = @_;

    my ($hdrs, $chunked) = parse_more_headers($more // '');

    my ($first, $body) = split /\n/, $text, 2;
    if (!defined $first || $first !~ /\S/) {
        bail_out("$name - Request line should be non-empty");
    }
    $first =~ /^\s*(\S+)(?:[ \t]+(\S+))?(?:[ \t]+(\S+))?\s*$/
        or bail_out("$name - Request line is not valid. Should be "
                    . "'meth [url [version]]' but got \"$first\".");
    my ($meth, $uri, $ver) = ($1, $2 // '/', $3 // 'HTTP/1.1');
    $body //= '';

    my $len = '';
    if (!$chunked && $body ne '' && $hdrs !~ /(?:^|\n)Content-Length:/) {
        $body =~ s/^\s+|\s+$//g;
        $len = 'Content-Length: ' . length($body) . "\r\n";
    }

    my $head = "$meth $uri $ver\r\n";
    $head .= "Host: $Test::Nginx::Util::ServerName\r\n"
        if $hdrs !~ /(?:^|\n)Host:/i;
    $head .= "Connection: $conn\r\n"
        if $hdrs !~ /(?:^|\n)Connection/i;
    return $head . $hdrs . $len . "\r\n" . $body;
}

sub strip_request_comments ($) {
    my $req = shift;
    return $req unless defined $req;
    1 while $req =~ s/^\s*#[^\n]+\s+|^\s+//s;
    return $req;
}

# A request given as packets: the generated request keeps the byte sizes
# of all packets but the first, which receives the head the harness adds.
sub split_like_packets ($$) {
    my ($req, $packets) = @_;
    my @tail_sizes = map { length(ref $_ ? $_->{value} : $_) }
                     @$packets[1 .. $#$packets];
    my @out;
    for my $size (reverse @tail_sizes) {
        unshift @out, substr($req, length($req) - $size, $size, '');
    }
    unshift @out, $req;
    my $i = 0;
    return [ map {
        my $p = $packets->[$i++];
        ref $p eq 'HASH' ? { %$p, value => $_ } : { value => $_ }
    } @out ];
}

# -> [ [ {value, delay_before}, ... ] (one list of packets per connection) ]
sub get_req_from_block ($) {
    my $block = shift;
    my $name = $block->name;

    if (defined(my $raw = $block->raw_request)) {
        my @packets = ref $raw eq 'ARRAY' ? @$raw : ($raw);
        return [[ map { { value => $_ } } @packets ]];
    }

    my $request = $block->request;
    if (defined $block->request_eval) {
        $request = eval $block->request_eval;
        warn $@ if $@;
    }
    $request = strip_request_comments($request) unless ref $request;

    my $more = $block->more_headers // '';
    my $more_for = sub {
        my $i = shift;
        return $more unless ref $more eq 'ARRAY';
        my $h = $more->[$i];
        bail_out("$name - --- more_headers lacks data for request $i")
            unless defined $h;
        return $h;
    };

    if (my $reqs = $block->pipelined_requests) {
        bail_out("$name - invalid entries in --- pipelined_requests")
            unless ref $reqs eq 'ARRAY';
        my $all = '';
        for my $i (0 .. $#$reqs) {
            my $conn = $i == $#$reqs ? 'close' : 'keep-alive';
            # as genuine: $TEST_NGINX_* expanded in pipelined requests
            # (and in no other kind)
            my $req = Test::Nginx::Util::expand_env_in_text($reqs->[$i],
                          $name, $Test::Nginx::Util::RandPorts);
            $all .= build_request($name, strip_request_comments($req),
                                  $more_for->($i), $conn);
        }
        return [[ { value => $all } ]];
    }

    bail_out("$name - request empty") unless defined $request;

    if (!ref $request) {
        return [[ { value => build_request($name, $request, $more_for->(0),
                                           'close') } ]];
    }

    bail_out("$name - invalid --- request: MUST be string or array of "
             . "requests") unless ref $request eq 'ARRAY';

    my @list;
    for my $i (0 .. $#$request) {
        my $one = $request->[$i];
        if (!ref $one) {
            push @list, [ { value => build_request($name,
                              strip_request_comments($one),
                              $more_for->($i), 'close') } ];
        } elsif (ref $one eq 'ARRAY') {
            my $text = join '', map { ref $_ ? $_->{value} : $_ } @$one;
            my $req = build_request($name, strip_request_comments($text),
                                    $more_for->($i), 'close');
            push @list, split_like_packets($req, $one);
        } else {
            bail_out("$name - Invalid syntax. $one should be a string or "
                     . "an array of packets.");
        }
    }
    return \@list;
}

# --- the connection

# A failure outside the planned assertions (timeout, bad chunked data).
# Unlike the genuine harness this does not set Test::Builder's no_ending,
# which would hide the "1..N" line of a no_plan suite.
sub extra_fail ($) {
    Test::More::fail(shift);
}

# Sends the packets on one connection and reads until nginx closes it or
# nothing arrives for $timeout seconds.  Returns (response bytes, is HEAD).
sub send_request ($$$$) {
    my ($packets, $middle_delay, $timeout, $block) = @_;
    my $name = $block->name;

    my $all = join '', map { $_->{value} } @$packets;
    my $head_req = $all =~ /^\s*HEAD\s+/ ? 1 : 0;

    my $addr = $block->server_addr_for_client
               // $Test::Nginx::Util::ServerAddr;
    my $port = $Test::Nginx::Util::ServerPortForClient;

    my $sock;
    for my $try (1 .. 20) {
        $sock = IO::Socket::INET->new(PeerAddr => $addr, PeerPort => $port,
                                      Proto => 'tcp', Timeout => $timeout);
        last if $sock;
        sleep 0.05 * $try;
    }
    if (!$sock) {
        extra_fail("$name - Can't connect to $addr:$port: $! (aborted)");
        return (undef, $head_req);
    }
    $sock->blocking(0);

    my $sel = IO::Select->new($sock);
    my $resp = '';
    my @todo = @$packets;
    my $closed = 0;

    # write every packet, reading whatever nginx sends meanwhile
    while (@todo) {
        my $p = shift @todo;
        my $delay = $p->{delay_before};
        $delay //= $middle_delay if $p != $packets->[0];
        sleep $delay if $delay;

        my ($buf, $off) = ($p->{value}, 0);
        while ($off < length $buf) {
            my ($r, $w) = IO::Select->select($sel, $sel, undef, $timeout);
            if (!$r && !$w) {
                return timed_out($sock, $block, $resp, $head_req);
            }
            if ($r && @$r) {
                my $n = sysread($sock, my $chunk, 65536);
                if ($n) { $resp .= $chunk }
                elsif (defined $n) { $closed = 1; last }
            }
            if ($w && @$w) {
                my $n = syswrite($sock, $buf, length($buf) - $off, $off);
                if (!defined $n) {
                    next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                    warn "$name - write failed: $!\n";
                    $closed = 1;
                    last;
                }
                $off += $n;
            }
        }
        last if $closed;
    }

    if (!$closed && defined(my $how = $block->shutdown)) {
        $how = 1 if $how =~ /^\s*$/;
        shutdown($sock, $how);
    }

    while (!$closed) {
        my @r = $sel->can_read($timeout);
        if (!@r) {
            return timed_out($sock, $block, $resp, $head_req);
        }
        my $n = sysread($sock, my $chunk, 65536);
        if (!defined $n) {
            next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
            warn "WARNING: $name - HTTP response read failure: $!\n";
            last;
        }
        last if $n == 0;
        $resp .= $chunk;
    }

    close $sock;
    return ($resp, $head_req);
}

sub timed_out ($$$$) {
    my ($sock, $block, $resp, $head_req) = @_;
    close $sock;
    if (!defined $block->abort) {
        extra_fail("ERROR: client socket timed out - " . $block->name);
    }
    return ($resp, $head_req);
}

# --- responses

# A parsed response: { code, status_line, headers => [[name, value]...],
# content }.  header() looks a field up as HTTP::Headers does: any case,
# "_" as "-", several fields joined by ", ".
sub header_value ($$) {
    my ($res, $key) = @_;
    return undef unless $res;
    (my $want = lc $key) =~ tr/_/-/;
    my @v = map { $_->[1] } grep { lc($_->[0]) eq $want } @{ $res->{headers} };
    return @v ? join(', ', @v) : undef;
}

# -> ($res, $raw_headers, $left); $res undef when nothing usable came back
sub parse_response ($$$) {
    my ($name, $raw, $head_req) = @_;

    my ($head, $body);
    if ($raw =~ /\A(.*?\r?\n)\r?\n(.*)\z/s) {
        ($head, $body) = ($1, $2);
    } else {
        ($head, $body) = ($raw, '');
    }
    my $raw_headers = $raw =~ /(.*?\r\n)\r\n/s ? $1 : '';

    my @lines = split /\r?\n/, $head;
    my $status = shift(@lines) // '';
    my $res = { status_line => $status, headers => [], content => $body };
    if ($status =~ m{^HTTP/\d+(?:\.\d+)?\s+(\d+)}) {
        $res->{code} = $1;
    }
    for my $l (@lines) {
        if ($l =~ /^[ \t]+(.*)/ && @{ $res->{headers} }) {
            $res->{headers}[-1][1] .= " $1";
        } elsif ($l =~ /^([^:\s]+)\s*:\s*(.*?)\s*$/) {
            push @{ $res->{headers} }, [$1, $2];
        }
    }

    my $code = $res->{code};
    return ($res, $raw_headers) if $code && ($code == 304 || $code == 101);

    if ($head_req) {
        $res->{content} = '';
        return ($res, $raw_headers, $body ne '' ? $body : undef);
    }

    my $enc = header_value($res, 'Transfer-Encoding');
    my $len = header_value($res, 'Content-Length');
    my $left;

    if (defined $enc && $enc eq 'chunked') {
        my ($decoded, $pos) = ('', 0);
        while (1) {
            if ($body =~ /\G0[ \t]*\r\n\r\n/gc) {
                $left = substr($body, pos $body) if pos($body) < length $body;
                last;
            }
            if ($body =~ /\G[ \t]*([A-Fa-f0-9]+)[ \t]*(?:;[^\r\n]*)?\r\n/gc) {
                my $size = hex $1;
                my $at = pos $body;
                if (length($body) - $at < $size + 2) {
                    extra_fail("$name - invalid chunked data received "
                                 . "(not enough octets for the data section)");
                    return;
                }
                $decoded .= substr($body, $at, $size);
                if (substr($body, $at + $size, 2) ne "\r\n") {
                    extra_fail("$name - invalid chunked data received "
                                 . "(expected CRLF).");
                    return;
                }
                pos($body) = $at + $size + 2;
                next;
            }
            if ($body =~ /\G(.+)/gcs) {
                extra_fail("$name - invalid chunked body received: $1");
            } else {
                extra_fail("$name - no last chunk found - $body");
            }
            return;
        }
        $res->{content} = $decoded;

    } elsif (defined $len && $len =~ /^\d+$/) {
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
                 . "but got " . length($body) . "\n";
        } elsif (length $body > $len) {
            $res->{content} = substr($body, 0, $len);
            $left = substr($body, $len);
        }
    }

    return ($res, $raw_headers, $left);
}

# --- checks; each section yields as many assertions as in the genuine one

sub get_indexed_value ($$$$) {
    my ($name, $value, $idx, $need_array) = @_;
    if ($need_array) {
        return $value->[$idx] if ref $value eq 'ARRAY';
        bail_out("$name - You asked for many requests, the expected "
                 . "results should be arrays as well.");
    }
    return ref $value eq 'ARRAY' ? $value->[0] : $value;
}

sub subst_port ($) {
    my $s = shift;
    return $s if !defined $s || ref $s;
    $s =~ s/\$ServerPortForClient\b/$Test::Nginx::Util::ServerPortForClient/g;
    $s =~ s/\$ServerPort\b/$Test::Nginx::Util::ServerPort/g;
    return $s;
}

sub check_error_code ($$$$) {
    my ($block, $res, $idx, $need_array) = @_;
    my $name = $block->name;
    my $code = ($res && $res->{code}) || '';

    if (defined $block->error_code_like) {
        my $val = get_indexed_value($name, $block->error_code_like, $idx,
                                    $need_array);
        Test::More::like($code, qr/$val/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        Test::More::is($code, get_indexed_value($name, $block->error_code,
                                                $idx, $need_array),
                       "$name - status code ok");
    } else {
        Test::More::is($code, 200, "$name - status code ok");
    }
}

sub check_response_headers ($$$$$) {
    my ($block, $res, $raw_headers, $idx, $need_array) = @_;
    my $name = $block->name;

    if (defined(my $v = $block->raw_response_headers_like)) {
        my $re = get_indexed_value($name, $v, $idx, $need_array);
        Test::More::like($raw_headers, qr/$re/s,
                         "$name - raw resp headers like");
    }
    if (defined(my $v = $block->raw_response_headers_unlike)) {
        my $re = get_indexed_value($name, $v, $idx, $need_array);
        Test::More::unlike($raw_headers, qr/$re/s,
                           "$name - raw resp headers unlike");
    }

    if (defined $block->response_headers) {
        my $h = parse_headers(get_indexed_value($name,
                              $block->response_headers, $idx, $need_array));
        for my $key (sort keys %$h) {
            my $val = $h->{$key};
            if (!defined $val) {
                Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/m,
                    "$name - header $key not present in the raw headers");
                next;
            }
            Test::More::is(header_value($res, $key) // '', subst_port($val),
                           "$name - header $key ok");
        }

    } elsif (defined $block->response_headers_like) {
        my $h = parse_headers(get_indexed_value($name,
                              $block->response_headers_like, $idx,
                              $need_array));
        for my $key (sort keys %$h) {
            my $val = $h->{$key} // '';
            Test::More::like(header_value($res, $key) // '', qr/^$val$/,
                             "$name - header $key like ok");
        }
    }
}

my %BodyFilters = (
    md5_hex => sub { Digest::MD5::md5_hex($_[0]) },
    uc      => sub { uc $_[0] },
    lc      => sub { lc $_[0] },
    ucfirst => sub { ucfirst $_[0] },
    lcfirst => sub { lcfirst $_[0] },
    length  => sub { length $_[0] },
);

sub transform_response_body ($$$) {
    my ($block, $res, $idx) = @_;
    my $filters = $block->response_body_filters;
    return unless defined $filters && $res && defined $res->{content};
    my $name = $block->name;

    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//g;
        $filters = [ split /\s+/, $filters ];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [ $filters ];
    }
    if (ref $filters->[0] eq 'ARRAY') {
        $filters = $filters->[$idx]
            // bail_out("$name - no response_body_filters for request $idx");
    }

    my $content = $res->{content};
    for my $f (@$filters) {
        if (ref $f eq 'CODE') {
            $content = $f->($content);
        } elsif (my $code = $BodyFilters{$f}) {
            $content = $code->($content);
        } else {
            bail_out("$name - unknown filter, \"$f\", specified in the "
                     . "--- response_body_filters section");
        }
    }
    $res->{content} = $content;
}

sub check_response_body ($$$$$) {
    my ($block, $res, $idx, $rep, $need_array) = @_;
    my $name = $block->name;
    my $content = $res ? $res->{content} : undef;

    if (defined $block->response_body || defined $block->response_body_eval) {
        my $expected;
        if ($block->response_body_eval) {
            $expected = eval get_indexed_value($name,
                            $block->response_body_eval, $idx, $need_array);
            warn $@ if $@;
        } else {
            $expected = get_indexed_value($name, $block->response_body, $idx,
                                          $need_array);
        }
        Encode::from_to($expected, 'UTF-8', $block->charset)
            if $block->charset;
        $expected = subst_port($expected);
        # as genuine: $TEST_NGINX_* expanded in an expected body (text)
        $expected = Test::Nginx::Util::expand_env_in_text($expected, $name,
                        $Test::Nginx::Util::RandPorts)
            if defined $expected && !ref $expected;

        my $desc = "$name - response_body - response is expected "
                   . "(repeated req $rep, req $idx)";
        if (ref $expected) {
            Test::More::like($content, $expected,
                "$name - response_body - like (repeated req $rep, req $idx)");
        } else {
            is_str($content, $expected, $desc);
        }

    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my $like = defined $block->response_body_like;
        my $pat = subst_port(get_indexed_value($name,
                      $like ? $block->response_body_like
                            : $block->response_body_unlike,
                      $idx, $need_array));
        my $type = $like ? 'like' : 'unlike';
        my $summary = trim($content) // '';
        my $desc = "$name - response_body_$type - response is expected "
                   . "($summary)";
        if ($like) {
            Test::More::like($content, qr/$pat/s, $desc);
        } else {
            Test::More::unlike($content, qr/$pat/s, $desc);
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $content, $idx, $rep, 0);
    }
}

sub fmt_str ($) {
    my $s = shift;
    chomp $s;
    $s =~ s/"/\\"/g;
    $s =~ s/\r/\\r/g;
    $s =~ s/\n/\\n/g;
    return $s;
}

# text (one pattern a line) / Regexp / array of both -> list of patterns
sub pattern_list ($) {
    my $pats = shift;
    if (!ref $pats) {
        chomp $pats;
        return grep { $_ ne '' } split /\n+/, $pats;
    }
    return ($pats) if ref $pats eq 'Regexp';
    return @$pats;
}

sub line_matches ($$) {
    my ($line, $pat) = @_;
    return ref $pat ? $line =~ $pat : index($line, $pat) >= 0;
}

sub mentions ($$) {
    my ($pats, $what) = @_;
    return grep { index("$_", $what) >= 0 } pattern_list($pats);
}

sub check_error_log ($$$$$) {
    my ($block, $res, $dry_run, $rep, $need_array) = @_;
    my $name = $block->name;
    my $lines;

    if (defined(my $grep = $block->grep_error_log)) {
        $grep = $grep->[$rep] if ref $grep eq 'ARRAY';
        my $expected = $block->grep_error_log_out;
        bail_out("$name - No --- grep_error_log_out defined but "
                 . "--- grep_error_log is defined") unless defined $expected;
        # the genuine harness expands $TEST_NGINX_* in it as text, which
        # turns a regex or an array into a string that never matches
        bail_out("$name - --- grep_error_log_out must be text: the genuine "
                 . "Test::Nginx compares it as a string") if ref $expected;
        $expected = Test::Nginx::Util::expand_env_in_text($expected, $name,
                        $Test::Nginx::Util::RandPorts);

        $lines ||= error_log_data();
        my $got = '';
        for my $line (@$lines) {
            if (ref $grep ? $line =~ $grep : $line =~ /\Q$grep\E/) {
                $got .= "$&\n" if $& !~ /\n/;
            }
        }
        is_str($got, $expected, "$name - grep_error_log_out (req $rep)");
    }

    my %quiet;
    for my $sec ($block->error_log, $block->no_error_log) {
        next unless defined $sec;
        for my $lvl ('[alert', '[crit', '[emerg') {
            $quiet{$lvl} = 1 if mentions($sec, $lvl);
        }
    }

    if (defined $block->error_log) {
        my @pats = pattern_list($block->error_log);
        $lines ||= error_log_data();
        for my $line (@$lines) {
            for my $p (@pats) {
                next unless defined $p && line_matches($line, $p);
                Test::More::pass("$name - pattern \"$p\" matches a line in "
                                 . "error.log (req $rep)");
                undef $p;
            }
        }
        for my $p (grep { defined } @pats) {
            Test::More::fail("$name - pattern \"$p\" should match a line in "
                             . "error.log (req $rep)");
        }
    }

    if (defined $block->no_error_log) {
        my @pats = pattern_list($block->no_error_log);
        my %found;
        $lines ||= error_log_data();
        for my $line (@$lines) {
            for my $i (0 .. $#pats) {
                next unless line_matches($line, $pats[$i]);
                $found{$i}++;
                Test::More::fail("$name - pattern \"" . fmt_str($pats[$i])
                    . "\" should not match any line in error.log but matches "
                    . "line \"" . fmt_str($line) . "\" (req $rep)");
            }
        }
        for my $i (0 .. $#pats) {
            next if $found{$i};
            Test::More::pass("$name - pattern \"" . fmt_str($pats[$i])
                             . "\" does not match a line in error.log "
                             . "(req $rep)");
        }
    }

    $lines ||= error_log_data();
    for my $line (@$lines) {
        for my $lvl ('[alert', '[crit', '[emerg') {
            next if $quiet{$lvl};
            warn "WARNING: $name - " . fmt_str($line) . "\n"
                if index($line, "$lvl]") >= 0;
        }
        if ($line =~ /\bAssertion .*?failed\b/) {
            extra_fail("$name - " . fmt_str($line));
        }
    }
}

# --- one block, one repetition

sub run_test_helper ($$$) {
    my ($block, $dry_run, $rep) = @_;
    my $name = $block->name;

    my $reqs = get_req_from_block($block);
    bail_out("$name - request empty") unless @$reqs;

    my $timeout = parse_time($block->timeout) // timeout();
    if ($Test::Nginx::Util::UseValgrind && $timeout < 20) {
        $timeout = 20;
    }

    my $pipelined = $block->pipelined_requests;
    my $n = $pipelined ? scalar @$pipelined : 0;
    my $need_array = $pipelined ? 1 : @$reqs > 1;
    my $idx = 0;
    my $res;

    for my $r (0 .. $#$reqs) {
        my ($raw, $head_req) = send_request($reqs->[$r],
            $block->raw_request_middle_delay, $timeout, $block);
        $raw //= '';
        my $left_count = $n;

        while (1) {
            my ($raw_headers, $left) = ('', undef);
            if (!defined $block->ignore_response) {
                ($res, $raw_headers, $left) =
                    parse_response($name, $raw, $head_req);
                $raw_headers //= '';
            }

            if ($left_count) {
                $raw = $left // '';
                $left_count--;
            } elsif (defined $left && $left ne '') {
                warn "WARNING: $name - unexpected extra bytes after last "
                     . "chunk in response: \"" . show_all_chars($left)
                     . "\"\n";
            }

            if (!defined $block->ignore_response) {
                check_error_code($block, $res, $idx, $need_array);
                check_response_headers($block, $res, $raw_headers, $idx,
                                       $need_array);
                transform_response_body($block, $res, $idx);
                check_response_body($block, $res, $idx, $rep, $need_array);
            }

            if ($left_count || $r < $#$reqs) {
                sleep $block->wait if $block->wait;
                check_error_log($block, $res, 0, $rep, $need_array);
            }

            $idx++;
            last unless $left_count;
        }
    }

    sleep $block->wait if $block->wait;
    check_error_log($block, $res, 0, $rep, $need_array);
}

1;
