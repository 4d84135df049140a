/*
 * spandspv29: our test driver for spandsp's V.29 modem (v29_tx, v29_rx,
 * Debian libspandsp-dev 0.0.6), the reference media/modem/v29 is checked
 * against. The Go tests build it into a temporary directory with
 * peer.BuildC; it is never part of a binary of ours.
 *
 *   spandspv29 tx RATE [DBM0 [TEP]]   bits on stdin ('0'/'1' characters,
 *                               others ignored) -> 16-bit little-endian 8 kHz
 *                               audio on stdout, training first (after the
 *                               talker echo protection tone if TEP is 1),
 *                               the shutdown last
 *   spandspv29 rx RATE          audio on stdin -> on stdout, lines
 *                               "B 0110..." (data bits) and "S CODE NAME"
 *                               (put_bit's SIG_STATUS_* values)
 *   spandspv29 bench rx RATE FILE   ns per 80-sample frame of v29_rx over
 *   spandspv29 bench tx RATE FILE   the audio FILE, or of v29_tx sending the
 *                                   bits of FILE; prints "ns_per_frame N"
 *
 * The benchmark times only v29_rx/v29_tx, in the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), as the Go benchmark times its side.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spandsp.h>

#define FRAME 80

/* Debian's build may print debugging lines through the fortified
 * __printf_chk; this one, found before libc's, keeps them out. */
int __printf_chk(int flag, const char *format, ...) {
	(void)flag;
	(void)format;
	return 0;
}

static uint8_t *read_all(FILE *f, size_t *len) {
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		size_t r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	*len = n;
	return buf;
}

struct bits {
	const uint8_t *b;
	size_t n, pos;
};

static int get_bit(void *user) {
	struct bits *s = user;
	while (s->pos < s->n) {
		uint8_t c = s->b[s->pos++];
		if (c == '0' || c == '1')
			return c - '0';
	}
	return SIG_STATUS_END_OF_DATA;
}

static int in_line; /* a "B " line is open */

static void put_bit(void *user, int bit) {
	(void)user;
	if (bit < 0) {
		if (in_line)
			putchar('\n');
		in_line = 0;
		printf("S %d %s\n", bit, signal_status_to_str(bit));
		return;
	}
	if (!in_line)
		fputs("B ", stdout);
	in_line = 1;
	putchar('0' + (bit & 1));
}

static void null_put_bit(void *user, int bit) {
	(void)user;
	(void)bit;
}

static double now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int tx(int rate, int set_power, float dbm0, int tep) {
	struct bits src;
	src.b = read_all(stdin, &src.n);
	src.pos = 0;
	v29_tx_state_t *s = v29_tx_init(NULL, rate, tep, get_bit, &src);
	if (!s)
		return 1;
	if (set_power)
		v29_tx_power(s, dbm0);
	int16_t buf[FRAME];
	for (;;) {
		int n = v29_tx(s, buf, FRAME);
		fwrite(buf, sizeof(int16_t), n, stdout);
		if (n < FRAME)
			break;
	}
	return 0;
}

static int rx(int rate) {
	v29_rx_state_t *s = v29_rx_init(NULL, rate, put_bit, NULL);
	if (!s)
		return 1;
	int16_t buf[FRAME];
	size_t n;
	while ((n = fread(buf, sizeof(int16_t), FRAME, stdin)) > 0)
		v29_rx(s, buf, n);
	if (in_line)
		putchar('\n');
	return 0;
}

static int bench(const char *what, int rate, const char *path) {
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	size_t len;
	uint8_t *data = read_all(f, &len);
	fclose(f);
	double ns = 0;
	long frames = 0;
	if (strcmp(what, "rx") == 0) {
		v29_rx_state_t *s = v29_rx_init(NULL, rate, null_put_bit, NULL);
		const int16_t *amp = (const int16_t *)data;
		size_t samples = len / 2;
		double t0 = now_ns();
		for (size_t off = 0; off + FRAME <= samples; off += FRAME) {
			v29_rx(s, amp + off, FRAME);
			frames++;
		}
		ns = now_ns() - t0;
	} else {
		struct bits src = {data, len, 0};
		v29_tx_state_t *s = v29_tx_init(NULL, rate, 0, get_bit, &src);
		int16_t buf[FRAME];
		double t0 = now_ns();
		for (;;) {
			int n = v29_tx(s, buf, FRAME);
			frames++;
			if (n < FRAME)
				break;
		}
		ns = now_ns() - t0;
	}
	printf("ns_per_frame %.1f\n", frames ? ns / frames : 0);
	return 0;
}

int main(int argc, char **argv) {
	if (argc >= 3 && strcmp(argv[1], "tx") == 0)
		return tx(atoi(argv[2]), argc >= 4, argc >= 4 ? atof(argv[3]) : 0, argc >= 5 && atoi(argv[4]) == 1);
	if (argc == 3 && strcmp(argv[1], "rx") == 0)
		return rx(atoi(argv[2]));
	if (argc == 5 && strcmp(argv[1], "bench") == 0)
		return bench(argv[2], atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: spandspv29 tx RATE [DBM0 [TEP]] | rx RATE | bench rx|tx RATE FILE\n");
	return 2;
}
