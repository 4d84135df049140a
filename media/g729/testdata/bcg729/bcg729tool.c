/*
 * bcg729tool: our test driver for libbcg729 (Debian libbcg729-dev), the
 * reference media/g729 is measured against. It is built by the Go tests
 * into a temporary directory when pkg-config finds libbcg729; it is never
 * part of a binary of ours.
 *
 *   bcg729tool encode IN.pcm OUT.g729    raw 16-bit PCM -> 10-byte frames
 *   bcg729tool decode IN.g729 OUT.pcm    10-byte frames -> raw 16-bit PCM
 *   bcg729tool time IN.pcm PASSES        ns per 10 ms frame, best of PASSES
 *
 * PCM is host-endian 16-bit (little-endian on every machine we test on).
 * The timing encodes the whole input, then decodes the frames it made,
 * each pass with new channels, and prints
 *   encode_ns_per_frame N
 *   decode_ns_per_frame N
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bcg729/decoder.h>
#include <bcg729/encoder.h>

#define FRAME_SAMPLES 80
#define FRAME_BYTES 10

static void *read_all(const char *path, size_t *len) {
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(1);
	}
	size_t cap = 1 << 16, n = 0;
	unsigned char *buf = malloc(cap);
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
	fclose(f);
	*len = n;
	return buf;
}

static void write_all(const char *path, const void *data, size_t len) {
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* encode codes every whole frame of pcm into out (FRAME_BYTES each). */
static size_t encode(const int16_t *pcm, size_t frames, uint8_t *out) {
	bcg729EncoderChannelContextStruct *enc = initBcg729EncoderChannel(0);
	for (size_t i = 0; i < frames; i++) {
		uint8_t len = 0;
		bcg729Encoder(enc, pcm + i * FRAME_SAMPLES, out + i * FRAME_BYTES, &len);
		if (len != FRAME_BYTES) {
			fprintf(stderr, "frame %zu: %u bytes\n", i, len);
			exit(1);
		}
	}
	closeBcg729EncoderChannel(enc);
	return frames * FRAME_BYTES;
}

static void decode(const uint8_t *bits, size_t frames, int16_t *pcm) {
	bcg729DecoderChannelContextStruct *dec = initBcg729DecoderChannel();
	for (size_t i = 0; i < frames; i++)
		bcg729Decoder(dec, bits + i * FRAME_BYTES, FRAME_BYTES, 0, 0, 0, pcm + i * FRAME_SAMPLES);
	closeBcg729DecoderChannel(dec);
}

static double now_ns(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: bcg729tool encode|decode|time IN OUT|PASSES\n");
		return 2;
	}
	size_t len;
	void *in = read_all(argv[2], &len);
	if (strcmp(argv[1], "encode") == 0) {
		size_t frames = len / (2 * FRAME_SAMPLES);
		uint8_t *out = malloc(frames * FRAME_BYTES + 1);
		write_all(argv[3], out, encode(in, frames, out));
	} else if (strcmp(argv[1], "decode") == 0) {
		size_t frames = len / FRAME_BYTES;
		int16_t *out = malloc(frames * FRAME_SAMPLES * 2 + 1);
		decode(in, frames, out);
		write_all(argv[3], out, frames * FRAME_SAMPLES * 2);
	} else if (strcmp(argv[1], "time") == 0) {
		int passes = atoi(argv[3]);
		size_t frames = len / (2 * FRAME_SAMPLES);
		if (passes < 1 || frames == 0) {
			fprintf(stderr, "nothing to time\n");
			return 2;
		}
		uint8_t *bits = malloc(frames * FRAME_BYTES);
		int16_t *pcm = malloc(frames * FRAME_SAMPLES * 2);
		double best_enc = 0, best_dec = 0;
		for (int p = 0; p < passes; p++) {
			double t0 = now_ns();
			encode(in, frames, bits);
			double t1 = now_ns();
			decode(bits, frames, pcm);
			double t2 = now_ns();
			if (p == 0 || t1 - t0 < best_enc)
				best_enc = t1 - t0;
			if (p == 0 || t2 - t1 < best_dec)
				best_dec = t2 - t1;
		}
		printf("encode_ns_per_frame %.0f\n", best_enc / (double)frames);
		printf("decode_ns_per_frame %.0f\n", best_dec / (double)frames);
	} else {
		fprintf(stderr, "unknown command %s\n", argv[1]);
		return 2;
	}
	return 0;
}
