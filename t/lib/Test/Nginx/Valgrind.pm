# Copyright (c) vidorigin contributors.  SPDX-License-Identifier: BSD-2-Clause
#
# Test::Nginx::Valgrind - running nginx under valgrind for the project's
# Test::Nginx subset (TEST_NGINX_USE_VALGRIND), and reading the report.
#
# The genuine harness prints valgrind's report and leaves judging it to a
# human; this one fails the block when the report of its nginx run shows an
# invalid access or a definite leak whose stack is ours (see errors()).

package Test::Nginx::Valgrind;

use strict;
use warnings;

# wrap_command($setting, $log_file, @nginx_command) -> the command to run.
# $setting is TEST_NGINX_USE_VALGRIND: a number for the default options
# (those of the genuine harness), anything else for valgrind's options.
sub wrap_command {
    my ($setting, $log, @cmd) = @_;
    my @vg;
    if ($setting =~ /^\d+$/) {
        # --keep-debuginfo: nginx unloads dynamic modules before exit, when
        # the leak check runs; without it their frames print as "???" and
        # no leak could be told apart as ours
        @vg = ('--tool=memcheck', '--leak-check=full',
               '--show-possibly-lost=no', '--num-callers=100', '-q',
               '--keep-debuginfo=yes', '--gen-suppressions=all');
        push @vg, '--suppressions=valgrind.suppress'
            if -f 'valgrind.suppress';
    } else {
        @vg = ('-q', split ' ', $setting);
    }
    return ('valgrind', @vg, "--log-file=$log", @cmd);
}

# The pattern that marks a stack as ours: TEST_NGINX_VALGRIND_MATCH, or the
# loaded modules' file names plus this project's function prefixes.
sub ours_pattern {
    my ($load_modules) = @_;
    return qr/$ENV{TEST_NGINX_VALGRIND_MATCH}/
        if defined $ENV{TEST_NGINX_VALGRIND_MATCH};
    my @alt = ('ngx_http_vidorigin', '\bvo_\w+');
    for my $so (split ' ', $load_modules // '') {
        (my $base = $so) =~ s{.*/}{};
        (my $stem = $base) =~ s/\.so$//;
        push @alt, quotemeta($base), quotemeta($stem);
    }
    my $re = join '|', @alt;
    return qr/$re/;
}

# errors($log_file, $load_modules) -> the report's records that count:
# "Invalid read/write/free" and "definitely lost" with a frame of ours.
# Only valgrind's own lines ("==PID== ...") are read, so the suppression
# templates of --gen-suppressions never merge into a record.
sub errors {
    my ($log, $load_modules) = @_;
    open my $in, '<', $log or return ();
    my (@records, @cur);
    while (my $line = <$in>) {
        next unless $line =~ s/^==\d+==\s?//;
        if ($line =~ /^\s*$/) {
            push @records, join('', @cur) if @cur;
            @cur = ();
            next;
        }
        push @cur, $line;
    }
    push @records, join('', @cur) if @cur;
    close $in;

    my $ours = ours_pattern($load_modules);
    return grep {
        /\A(?:Invalid (?:read|write|free)|.*\bdefinitely lost in loss record)/
            && $_ =~ $ours
    } @records;
}

1;
