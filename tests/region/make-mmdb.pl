#!/usr/bin/perl
# Copyright (C) vidorigin authors
# SPDX-License-Identifier: BSD-2-Clause
#
# make-mmdb.pl OUT.mmdb [VARIANT]
#
# Writes a small MaxMind DB shaped like GeoIP2-Country (the record's
# country.iso_code, which is what the module reads) for the region tests,
# with Debian's MaxMind::DB::Writer: nothing is downloaded.
#
#   VARIANT "a" (default)        VARIANT "b" (a newer DB, for reloads)
#   127.0.0.0/24   JP            127.0.0.0/24   FR
#   127.0.1.0/24   US            127.0.1.0/24   US
#   127.0.2.0/24   DE            127.0.2.0/24   DE
#   127.0.3.0/24   absent        127.0.3.0/24   absent
#   127.0.4.0/24   a record without a country (registered_country only)
#   2001:db8::/32  BR            2001:db8::/32  BR
#   ::1/128        KR            ::1/128        KR
#
# The DB is an IPv6 tree with the IPv4 space aliased at ::ffff:0:0/96
# and 2002::/16, as MaxMind's own databases are.
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my ($out, $variant) = @ARGV;
die "usage: $0 OUT.mmdb [a|b]\n" unless defined $out;
$variant //= 'a';
die "make-mmdb: unknown variant \"$variant\"\n" unless $variant =~ /^[ab]$/;

my %types = (
    country            => 'map',
    registered_country => 'map',
    iso_code           => 'utf8_string',
    geoname_id         => 'uint32',
    names              => 'map',
    en                 => 'utf8_string',
);

my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version              => 6,
    record_size             => 24,
    database_type           => 'GeoIP2-Country',
    languages               => ['en'],
    description             => { en => 'vidorigin test fixture' },
    map_key_type_callback   => sub { $types{ $_[0] } },
    alias_ipv6_to_ipv4      => 1,
    remove_reserved_networks => 0,
);

sub country {
    my ($iso, $id, $name) = @_;
    return {
        country => { iso_code => $iso, geoname_id => $id,
                     names => { en => $name } },
        registered_country => { iso_code => $iso, geoname_id => $id,
                                names => { en => $name } },
    };
}

my %nets = (
    '127.0.0.0/24'  => $variant eq 'a' ? country('JP', 1861060, 'Japan')
                                       : country('FR', 3017382, 'France'),
    '127.0.1.0/24'  => country('US', 6252001, 'United States'),
    '127.0.2.0/24'  => country('DE', 2921044, 'Germany'),
    '127.0.4.0/24'  => { registered_country => { iso_code => 'NL',
                                                 geoname_id => 2750405 } },
    '2001:db8::/32' => country('BR', 3469034, 'Brazil'),
    '::1/128'       => country('KR', 1835841, 'South Korea'),
);

for my $net (sort keys %nets) {
    my $cidr = $net =~ /:/ ? $net : "::$net";
    # an IPv4 network in the IPv6 tree: ::a.b.c.d/(96 + len)
    if ($net !~ /:/) {
        my ($ip, $len) = split m{/}, $net;
        $cidr = "::$ip/" . (96 + $len);
    }
    $tree->insert_network($cidr, $nets{$net});
}

my $tmp = "$out.tmp.$$";
open my $fh, '>:raw', $tmp or die "make-mmdb: $tmp: $!\n";
$tree->write_tree($fh);
close $fh or die "make-mmdb: $tmp: $!\n";
rename $tmp, $out or die "make-mmdb: $out: $!\n";
