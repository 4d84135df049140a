/*
 * spandspec: our test driver for spandsp's line echo canceller
 * (echo_can_update, Debian libspandsp-dev), the reference media/echo is
 * compared with. The Go tests build it into a temporary directory when
 * pkg-config finds spandsp; it is never part of a binary of ours.
 *
 *   spandspec run TAPS MODE IN.pcm OUT.pcm     cancel, one channel
 *   spandspec time TAPS MODE IN.pcm PASSES     ns per 10 ms frame, best of PASSES
 *
 * IN.pcm holds interleaved host-endian 16-bit pairs: Rin (sent toward the
 * line, spandsp's tx) then Sin (heard back, spandsp's rx). OUT.pcm is the
 * cleaned Sin. MODE is "nonlp" (adaption and the Rx high-pass) or "nlp"
 * (adding the NLP and comfort noise). The Tx high-pass is left off: it
 * filters what goes to the line, and the line here was simulated before. Each timing pass runs the
 * whole input through a new canceller, frame by frame, and prints
 *   ns_per_frame N
 * in the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), as the Go benchmark
 * measures its side: time the scheduler gives to other processes on a
 * loaded machine counts for neither.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <spandsp.h>

#define FRAME_SAMPLES 80

/*
 * Debian's libspandsp 0.0.6 prints two debugging lines per sample from
 * echo_can_update ("echo is", "Narrowband score"), through the fortified
 * __printf_chk. This one, found before libc's, keeps that out of the
 * output and the timing; the driver itself writes with fprintf.
 */
int __printf_chk(int flag, const char *format, ...) {
	(void)flag;
	(void)format;
	return 0;
}

static int16_t *read_pairs(const char *path, size_t *pairs) {
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	size_t cap = 1 << 16, n = 0;
	int16_t *buf = malloc(cap * sizeof(int16_t));
	for (;;) {
		if (n == cap) {
			cap *= 2;
			buf = realloc(buf, cap * sizeof(int16_t));
		}
		size_t r = fread(buf + n, sizeof(int16_t), cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*pairs = n / 2;
	return buf;
}

static int mode_of(const char *s) {
	int m = ECHO_CAN_USE_ADAPTION | ECHO_CAN_USE_RX_HPF;
	if (strcmp(s, "nlp") == 0)
		m |= ECHO_CAN_USE_NLP | ECHO_CAN_USE_CNG;
	else if (strcmp(s, "nonlp") != 0) {
		fprintf(stderr, "mode must be nlp or nonlp\n");
		exit(2);
	}
	return m;
}

/* cancel runs every whole frame of in through ec into out (may be NULL). */
static void cancel(echo_can_state_t *ec, const int16_t *in, size_t pairs, int16_t *out) {
	size_t frames = pairs / FRAME_SAMPLES;
	for (size_t f = 0; f < frames; f++) {
		for (int i = 0; i < FRAME_SAMPLES; i++) {
			size_t k = f * FRAME_SAMPLES + i;
			int16_t clean = echo_can_update(ec, in[2 * k], in[2 * k + 1]);
			if (out)
				out[k] = clean;
		}
	}
}

int main(int argc, char **argv) {
	if (argc != 6) {
		fprintf(stderr, "usage: spandspec run|time TAPS MODE IN.pcm OUT.pcm|PASSES\n");
		return 2;
	}
	int taps = atoi(argv[2]);
	int mode = mode_of(argv[3]);
	size_t pairs;
	int16_t *in = read_pairs(argv[4], &pairs);
	if (strcmp(argv[1], "run") == 0) {
		int16_t *out = calloc(pairs ? pairs : 1, sizeof(int16_t));
		echo_can_state_t *ec = echo_can_init(taps, mode);
		cancel(ec, in, pairs, out);
		echo_can_free(ec);
		size_t n = pairs / FRAME_SAMPLES * FRAME_SAMPLES;
		FILE *f = fopen(argv[5], "wb");
		if (!f || fwrite(out, sizeof(int16_t), n, f) != n || fclose(f) != 0) {
			perror(argv[5]);
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "time") == 0) {
		int passes = atoi(argv[5]);
		double best = 0;
		for (int p = 0; p < passes; p++) {
			echo_can_state_t *ec = echo_can_init(taps, mode);
			struct timespec t0, t1;
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
			cancel(ec, in, pairs, NULL);
			clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
			echo_can_free(ec);
			double ns = (t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec);
			ns /= (double)(pairs / FRAME_SAMPLES);
			if (p == 0 || ns < best)
				best = ns;
		}
		fprintf(stdout, "ns_per_frame %.0f\n", best);
		return 0;
	}
	fprintf(stderr, "unknown command %s\n", argv[1]);
	return 2;
}
