#!/usr/bin/perl
# bench/startup.pl PORT LOG CMD... - start-up time of a server (used by bench/run.sh).
#
# Runs CMD with its stderr appended to LOG, tries to connect to 127.0.0.1:PORT
# every 0.2 ms until a connection is accepted, and prints one line:
#   <microseconds from just before exec to the first accepted connection> <VmRSS KiB then>
# then stops CMD with SIGTERM and waits for it. Exits 1 if CMD exits first or
# nothing accepts within 30 s. Perl (with Time::HiRes, part of Debian's perl)
# rather than a shell loop: a curl per try would cost more than what it measures.
use strict;
use warnings;
use POSIX ();
use Socket;
use Time::HiRes qw(clock_gettime CLOCK_MONOTONIC usleep);

my ($port, $log, @cmd) = @ARGV;
die "usage: startup.pl PORT LOG CMD...\n" unless @cmd;

my $addr = sockaddr_in($port, inet_aton('127.0.0.1'));
my $t0 = clock_gettime(CLOCK_MONOTONIC);
my $pid = fork() // die "fork: $!\n";
if ($pid == 0) {
	open(STDERR, '>>', $log) or POSIX::_exit(127);
	exec(@cmd) or POSIX::_exit(127);
}

my ($us, $rss);
while (clock_gettime(CLOCK_MONOTONIC) - $t0 < 30) {
	socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
	if (connect($s, $addr)) {
		$us = (clock_gettime(CLOCK_MONOTONIC) - $t0) * 1e6;
		close($s);
		last;
	}
	close($s);
	last if waitpid($pid, POSIX::WNOHANG()) == $pid;
	usleep(200);
}
if (defined $us && open(my $st, '<', "/proc/$pid/status")) {
	while (<$st>) {
		$rss = $1 if /^VmRSS:\s+(\d+)/;
	}
	close($st);
}
kill('TERM', $pid);
waitpid($pid, 0);
die "startup.pl: nothing accepted on port $port (see $log)\n" unless defined $us;
printf "%.0f %d\n", $us, $rss // 0;
