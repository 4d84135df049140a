/*
 * spandspfax: our test driver for spandsp's fax machine (fax_init, T.30 over
 * V.21/V.27ter/V.29/V.17, Debian libspandsp-dev 0.0.6), the real fax the
 * Go tests send through media/fax and the gateway. The tests build it into a
 * temporary directory when pkg-config finds spandsp and libtiff; it is never
 * part of a binary of ours.
 *
 *   spandspfax mkimage OUT.tif PAGES
 *       writes a PAGES-page TIFF-F (1728 pels, 204x98 dpi, T.4 1-D), each
 *       page different, for a fax to send.
 *   spandspfax t38rx
 *       reads IFP packets, one per line in hex, and hands each to
 *       t38_core_rx_ifp_packet (T.38 version 2); prints what spandsp's
 *       handlers get: "ind N", "data TYPE FIELD HEX" (HEX "-" for none),
 *       then "end RC" for each packet.
 *   spandspfax t38tx
 *       reads "ind N" or "data TYPE FIELD HEX [FIELD HEX ...]" lines and
 *       prints, in hex, the IFP packet t38_core_send_indicator or
 *       t38_core_send_data_multi_field makes of each ("-" for none).
 *   spandspfax send|receive FILE.tif [-ecm] [-modems v17,v29,v27ter]
 *                                    [-timeout SECONDS] [-frame SAMPLES] [-v]
 *       runs a fax machine as audio: 8 kHz 16-bit little-endian PCM, the
 *       line it hears on stdin and what it sends on stdout, in frames of
 *       SAMPLES (default 160, 20 ms).
 *       "send" calls (sends CNG) and transmits FILE; "receive" answers
 *       (sends CED) and writes what it receives to FILE.
 *
 *   spandspfax t38send|t38receive FILE.tif [-ecm] [-modems v17,v29,v27ter]
 *                                        [-timeout SECONDS] [-step SAMPLES] [-v]
 *       runs a T.38 terminal (t38_terminal_init, T.30 on it) that sends or
 *       receives FILE as "send" and "receive" do, exchanging IFP packets:
 *       each a little-endian 16-bit length and the packet, a length of 0
 *       ending a step. Each step of SAMPLES (default 160) of simulated time
 *       it writes the packets it sent (t38_terminal_send_timeout), then reads
 *       those it receives, in order (t38_core_rx_ifp_packet, sequence numbers
 *       counted from 0), T.38 version 2. The same phase E line ends it.
 *
 *   spandspfax bench FILE [FROM TO]
 *       times spandsp's T.38 gateway (t38_gateway_init, T.38 version 2, ECM
 *       and all modems allowed) on a recording: FILE holds 10 ms frames,
 *       each 80 samples (16-bit little-endian) the fax machine sent, then
 *       the IFP packets received in that frame as length-prefixed records
 *       ended by a 0 length. Per frame it hands the packets to
 *       t38_core_rx_ifp_packet, the samples to t38_gateway_rx and makes 80
 *       samples with t38_gateway_tx, all timed on CLOCK_THREAD_CPUTIME_ID
 *       (the file is read before), frames FROM to TO-1 only when given. It
 *       prints "frames N ns-per-frame X" (N: the frames timed).
 *
 * Each frame, it first writes the frame it sends, then reads the one it
 * hears, so two of them, or one and a gateway, run in lock step as fast as
 * the machine allows: the samples are the clock. After phase E it sends one
 * more second of audio and ends; at the end of its input, or when TIMEOUT
 * seconds of audio (default 300) have passed, it ends too. Its last line on
 * stderr is
 *   phase_e result=N (TEXT) pages_tx=N pages_rx=N rate=N ecm=N samples=N hangup=N
 * where hangup=1 says phase E came from t30_terminate when the audio ended
 * (the sender's last pause after DCN is cut short that way; elsewhere T.30
 * reports the call dropped), and it exits 0 only for result 0.
 * -v logs T.30 to stderr.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tiffio.h>
#include <spandsp.h>

#define MAX_FRAME 800
#define RATE 8000

static int phase_e_result = -1;
static long phase_e_at = -1;
static long samples;

static void phase_e(t30_state_t *s, void *user_data, int result) {
	(void)s;
	(void)user_data;
	if (phase_e_result < 0) {
		phase_e_result = result;
		phase_e_at = samples;
	}
}

/* mkimage draws pages with a border, a page number in bars and
 * pseudo-random "words", so no two pages are alike. */
static int mkimage(const char *path, int pages) {
	const int width = 1728, length = 1100;
	TIFF *t = TIFFOpen(path, "w");
	if (!t) {
		fprintf(stderr, "mkimage: cannot create %s\n", path);
		return 1;
	}
	uint8_t row[1728 / 8];
	for (int p = 0; p < pages; p++) {
		TIFFSetField(t, TIFFTAG_SUBFILETYPE, FILETYPE_PAGE);
		TIFFSetField(t, TIFFTAG_IMAGEWIDTH, width);
		TIFFSetField(t, TIFFTAG_IMAGELENGTH, length);
		TIFFSetField(t, TIFFTAG_BITSPERSAMPLE, 1);
		TIFFSetField(t, TIFFTAG_SAMPLESPERPIXEL, 1);
		TIFFSetField(t, TIFFTAG_COMPRESSION, COMPRESSION_CCITTFAX3);
		TIFFSetField(t, TIFFTAG_GROUP3OPTIONS, 0);
		TIFFSetField(t, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_MINISWHITE);
		TIFFSetField(t, TIFFTAG_FILLORDER, FILLORDER_LSB2MSB);
		TIFFSetField(t, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
		TIFFSetField(t, TIFFTAG_RESOLUTIONUNIT, RESUNIT_INCH);
		TIFFSetField(t, TIFFTAG_XRESOLUTION, 204.0f);
		TIFFSetField(t, TIFFTAG_YRESOLUTION, 98.0f);
		TIFFSetField(t, TIFFTAG_ROWSPERSTRIP, length);
		TIFFSetField(t, TIFFTAG_PAGENUMBER, p, pages);
		for (int y = 0; y < length; y++) {
			memset(row, 0, sizeof(row));
			for (int x = 0; x < width; x++) {
				int black = 0;
				if (y < 4 || y >= length - 4 || x < 8 || x >= width - 8)
					black = 1; /* border */
				else if (y >= 40 && y < 80 && x >= 100 && x < 100 + 40 * (p + 1) && (x / 20) % 2 == 0)
					black = 1; /* the page number, in bars */
				else if (y >= 120 && y < 1000 && (y / 12) % 2 == 0 && x >= 100 && x < width - 100) {
					/* a "word" of 48 pels is black or white per line of text */
					uint32_t h = (uint32_t)(x / 48) * 2654435761u ^ (uint32_t)(y / 24) * 40503u ^ (uint32_t)p * 9176u;
					h ^= h >> 13;
					black = (h & 3) == 0 && (x % 48) < 40;
				} else if (y >= 1020 && y < 1060 && ((x + y + p) % 64) < 4)
					black = 1; /* diagonal hatching */
				if (black)
					row[x / 8] |= 0x80 >> (x % 8);
			}
			if (TIFFWriteScanline(t, row, y, 0) < 0) {
				fprintf(stderr, "mkimage: writing row %d of page %d failed\n", y, p);
				TIFFClose(t);
				return 1;
			}
		}
		if (!TIFFWriteDirectory(t)) {
			fprintf(stderr, "mkimage: writing page %d failed\n", p);
			TIFFClose(t);
			return 1;
		}
	}
	TIFFClose(t);
	return 0;
}

static int t38_ind(t38_core_state_t *s, void *user_data, int indicator) {
	(void)s;
	(void)user_data;
	printf("ind %d\n", indicator);
	return 0;
}

static void print_hex(const uint8_t *buf, int len) {
	if (len <= 0) {
		printf("-");
		return;
	}
	for (int i = 0; i < len; i++)
		printf("%02x", buf[i]);
}

static int t38_data(t38_core_state_t *s, void *user_data, int data_type, int field_type, const uint8_t *buf, int len) {
	(void)s;
	(void)user_data;
	printf("data %d %d ", data_type, field_type);
	print_hex(buf, len);
	printf("\n");
	return 0;
}

static int t38_missing(t38_core_state_t *s, void *user_data, int rx_seq_no, int expected_seq_no) {
	(void)s;
	(void)user_data;
	printf("missing %d %d\n", rx_seq_no, expected_seq_no);
	return 0;
}

static int t38_sent;

static int t38_tx(t38_core_state_t *s, void *user_data, const uint8_t *buf, int len, int count) {
	(void)s;
	(void)user_data;
	(void)count;
	print_hex(buf, len);
	printf("\n");
	t38_sent = 1;
	return 0;
}

static int unhex(const char *h, uint8_t *out, int max) {
	int n = 0;
	if (strcmp(h, "-") == 0)
		return 0;
	for (; h[0] && h[1] && n < max; h += 2) {
		unsigned v;
		if (sscanf(h, "%2x", &v) != 1)
			return -1;
		out[n++] = (uint8_t)v;
	}
	return n;
}

static int t38_mode(int rx) {
	t38_core_state_t *t = t38_core_init(NULL, t38_ind, t38_data, t38_missing, NULL, t38_tx, NULL);
	if (!t)
		return 1;
	t38_set_t38_version(t, 2);
	static char line[70000];
	static uint8_t buf[35000];
	uint16_t seq = 0;
	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\r\n")] = 0;
		if (rx) {
			int n = unhex(line, buf, sizeof(buf));
			int rc = n < 0 ? -2 : t38_core_rx_ifp_packet(t, buf, n, seq++);
			printf("end %d\n", rc);
			fflush(stdout);
			continue;
		}
		t38_sent = 0;
		char *tok = strtok(line, " ");
		if (tok && strcmp(tok, "ind") == 0) {
			char *v = strtok(NULL, " ");
			t38_core_send_indicator(t, v ? atoi(v) : 0);
		} else if (tok && strcmp(tok, "data") == 0) {
			char *v = strtok(NULL, " ");
			int type = v ? atoi(v) : 0;
			static t38_data_field_t fields[16];
			static uint8_t data[16][4096];
			int nf = 0;
			char *ft, *fh;
			while (nf < 16 && (ft = strtok(NULL, " ")) && (fh = strtok(NULL, " "))) {
				fields[nf].field_type = atoi(ft);
				fields[nf].field_len = unhex(fh, data[nf], sizeof(data[nf]));
				fields[nf].field = data[nf];
				nf++;
			}
			t38_core_send_data_multi_field(t, type, fields, nf, T38_PACKET_CATEGORY_IMAGE_DATA);
		}
		if (!t38_sent)
			printf("-\n");
		fflush(stdout);
	}
	t38_core_free(t);
	return 0;
}

static int modems_of(const char *list) {
	int m = 0;
	if (strstr(list, "v17"))
		m |= T30_SUPPORT_V17;
	if (strstr(list, "v29"))
		m |= T30_SUPPORT_V29;
	if (strstr(list, "v27ter"))
		m |= T30_SUPPORT_V27TER;
	return m;
}

static int usage(void) {
	fprintf(stderr, "usage: spandspfax mkimage OUT.tif PAGES\n"
	                "       spandspfax send|receive FILE.tif [-ecm] [-modems v17,v29,v27ter] [-timeout S] [-frame N] [-v]\n");
	return 2;
}

static int read_full(int16_t *buf, size_t n) {
	size_t got = 0;
	while (got < n) {
		size_t r = fread(buf + got, sizeof(int16_t), n - got, stdin);
		if (r == 0)
			return 0;
		got += r;
	}
	return 1;
}

/* T.38 terminal mode: packets go out as length-prefixed records. */
static uint8_t t38_out[65536];
static int t38_out_len;

static int t38_term_tx(t38_core_state_t *s, void *user_data, const uint8_t *buf, int len, int count) {
	(void)s;
	(void)user_data;
	(void)count; /* repeats of indicators are the transport's business */
	if (len < 0 || t38_out_len + 2 + len > (int)sizeof(t38_out))
		return -1;
	t38_out[t38_out_len++] = (uint8_t)len;
	t38_out[t38_out_len++] = (uint8_t)(len >> 8);
	memcpy(t38_out + t38_out_len, buf, len);
	t38_out_len += len;
	return 0;
}

static int read_bytes(uint8_t *buf, size_t n) {
	size_t got = 0;
	while (got < n) {
		size_t r = fread(buf + got, 1, n - got, stdin);
		if (r == 0)
			return 0;
		got += r;
	}
	return 1;
}

static void setup_t30(t30_state_t *t30, int calling, const char *file, int ecm, int modems) {
	t30_set_tx_ident(t30, calling ? "potsgate send" : "potsgate recv");
	if (calling)
		t30_set_tx_file(t30, file, -1, -1);
	else
		t30_set_rx_file(t30, file, -1);
	t30_set_ecm_capability(t30, ecm);
	t30_set_supported_modems(t30, modems);
	t30_set_supported_compressions(t30, T30_SUPPORT_T4_1D_COMPRESSION | T30_SUPPORT_T4_2D_COMPRESSION |
	                                        (ecm ? T30_SUPPORT_T6_COMPRESSION : 0));
	t30_set_phase_e_handler(t30, phase_e, NULL);
}

static int t38_terminal_mode(int calling, const char *file, int ecm, int modems, long timeout, int step, int verbose) {
	t38_terminal_state_t *t = t38_terminal_init(NULL, calling, t38_term_tx, NULL);
	if (!t) {
		fprintf(stderr, "t38_terminal_init failed\n");
		return 1;
	}
	t30_state_t *t30 = t38_terminal_get_t30_state(t);
	t38_core_state_t *core = t38_terminal_get_t38_core_state(t);
	setup_t30(t30, calling, file, ecm, modems);
	/* Version 2, as media/t38 encodes (field types with the extension bit). */
	t38_set_t38_version(core, 2);
	if (verbose) {
		int level = SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_SHOW_SAMPLE_TIME | SPAN_LOG_FLOW;
		span_log_set_level(t38_terminal_get_logging_state(t), level);
		span_log_set_tag(t38_terminal_get_logging_state(t), calling ? "t38send" : "t38recv");
		span_log_set_level(t30_get_logging_state(t30), level);
		span_log_set_tag(t30_get_logging_state(t30), calling ? "t38send" : "t38recv");
		span_log_set_level(t38_core_get_logging_state(core), level);
		span_log_set_tag(t38_core_get_logging_state(core), calling ? "t38send" : "t38recv");
	}
	static uint8_t pkt[65536];
	uint16_t seq = 0;
	for (;;) {
		t38_out_len = 0;
		t38_terminal_send_timeout(t, step);
		t38_out[t38_out_len++] = 0;
		t38_out[t38_out_len++] = 0;
		if (fwrite(t38_out, 1, t38_out_len, stdout) != (size_t)t38_out_len || fflush(stdout) != 0)
			break;
		int eof = 0;
		for (;;) {
			uint8_t l[2];
			if (!read_bytes(l, 2)) {
				eof = 1;
				break;
			}
			int n = l[0] | l[1] << 8;
			if (n == 0)
				break;
			if (!read_bytes(pkt, n)) {
				eof = 1;
				break;
			}
			t38_core_rx_ifp_packet(core, pkt, n, seq++);
		}
		if (eof)
			break;
		samples += step;
		if (phase_e_at >= 0 && samples - phase_e_at >= RATE)
			break;
		if (samples >= timeout * RATE)
			break;
	}
	int hangup = 0;
	if (phase_e_result < 0) {
		hangup = 1;
		t30_terminate(t30);
	}
	t30_stats_t st;
	t30_get_transfer_statistics(t30, &st);
	fprintf(stderr, "phase_e result=%d (%s) pages_tx=%d pages_rx=%d rate=%d ecm=%d samples=%ld hangup=%d\n", phase_e_result,
	        phase_e_result >= 0 ? t30_completion_code_to_str(phase_e_result) : "no phase E", st.pages_tx, st.pages_rx,
	        st.bit_rate, st.error_correcting_mode, samples, hangup);
	t38_terminal_release(t);
	t38_terminal_free(t);
	return phase_e_result == 0 ? 0 : 3;
}

/* bench: spandsp's T.38 gateway over a recording, timed. */
static int gw_tx(t38_core_state_t *s, void *user_data, const uint8_t *buf, int len, int count) {
	(void)s;
	(void)user_data;
	(void)buf;
	(void)len;
	(void)count;
	return 0;
}

static int bench(const char *path, long from, long to) {
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "bench: cannot open %s\n", path);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	uint8_t *data = malloc(size);
	if (!data || fread(data, 1, size, f) != (size_t)size) {
		fprintf(stderr, "bench: cannot read %s\n", path);
		return 1;
	}
	fclose(f);
	t38_gateway_state_t *g = t38_gateway_init(NULL, gw_tx, NULL);
	if (!g)
		return 1;
	t38_core_state_t *core = t38_gateway_get_t38_core_state(g);
	t38_set_t38_version(core, 2);
	t38_gateway_set_ecm_capability(g, 1);
	t38_gateway_set_transmit_on_idle(g, 1);
	t38_gateway_set_supported_modems(g, T30_SUPPORT_V27TER | T30_SUPPORT_V29 | T30_SUPPORT_V17);
	int16_t in[80], out[80];
	long frames = 0, timed = 0;
	uint16_t seq = 0;
	struct timespec a, b;
	double ns = 0;
	long at = 0;
	while (at + 160 <= size) {
		for (int i = 0; i < 80; i++)
			in[i] = (int16_t)(data[at + 2 * i] | data[at + 2 * i + 1] << 8);
		at += 160;
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
		long p = at;
		for (;;) {
			if (p + 2 > size)
				break;
			int n = data[p] | data[p + 1] << 8;
			p += 2;
			if (n == 0)
				break;
			t38_core_rx_ifp_packet(core, data + p, n, seq++);
			p += n;
		}
		t38_gateway_rx(g, in, 80);
		t38_gateway_tx(g, out, 80);
		clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
		if (frames >= from && frames < to) {
			ns += (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
			timed++;
		}
		at = p;
		frames++;
	}
	printf("frames %ld ns-per-frame %.1f\n", timed, timed ? ns / timed : 0);
	t38_gateway_release(g);
	t38_gateway_free(g);
	free(data);
	return 0;
}

int main(int argc, char **argv) {
	if (argc >= 4 && strcmp(argv[1], "mkimage") == 0)
		return mkimage(argv[2], atoi(argv[3]));
	if (argc >= 3 && strcmp(argv[1], "bench") == 0)
		return bench(argv[2], argc > 3 ? atol(argv[3]) : 0, argc > 4 ? atol(argv[4]) : 1L << 40);
	if (argc == 2 && strcmp(argv[1], "t38rx") == 0)
		return t38_mode(1);
	if (argc == 2 && strcmp(argv[1], "t38tx") == 0)
		return t38_mode(0);
	if (argc < 3)
		return usage();
	int calling, t38 = 0;
	if (strcmp(argv[1], "send") == 0)
		calling = 1;
	else if (strcmp(argv[1], "receive") == 0)
		calling = 0;
	else if (strcmp(argv[1], "t38send") == 0)
		calling = 1, t38 = 1;
	else if (strcmp(argv[1], "t38receive") == 0)
		calling = 0, t38 = 1;
	else
		return usage();
	const char *file = argv[2];
	int ecm = 0, verbose = 0, modems = T30_SUPPORT_V17 | T30_SUPPORT_V29 | T30_SUPPORT_V27TER;
	long timeout = 300;
	int frame = 160;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "-ecm") == 0)
			ecm = 1;
		else if (strcmp(argv[i], "-v") == 0)
			verbose = 1;
		else if (strcmp(argv[i], "-modems") == 0 && i + 1 < argc) {
			modems = modems_of(argv[++i]);
			if (!modems)
				return usage();
		} else if (strcmp(argv[i], "-frame") == 0 && i + 1 < argc) {
			frame = atoi(argv[++i]);
			if (frame <= 0 || frame > MAX_FRAME)
				return usage();
		} else if (strcmp(argv[i], "-step") == 0 && i + 1 < argc) {
			frame = atoi(argv[++i]);
			if (frame <= 0)
				return usage();
		} else if (strcmp(argv[i], "-timeout") == 0 && i + 1 < argc)
			timeout = atol(argv[++i]);
		else
			return usage();
	}
	if (t38)
		return t38_terminal_mode(calling, file, ecm, modems, timeout, frame, verbose);

	fax_state_t *fax = fax_init(NULL, calling);
	if (!fax) {
		fprintf(stderr, "fax_init failed\n");
		return 1;
	}
	t30_state_t *t30 = fax_get_t30_state(fax);
	fax_set_transmit_on_idle(fax, 1);
	setup_t30(t30, calling, file, ecm, modems);
	if (verbose) {
		int level = SPAN_LOG_SHOW_SEVERITY | SPAN_LOG_SHOW_PROTOCOL | SPAN_LOG_SHOW_SAMPLE_TIME | SPAN_LOG_FLOW;
		span_log_set_level(fax_get_logging_state(fax), level);
		span_log_set_tag(fax_get_logging_state(fax), calling ? "send" : "recv");
		span_log_set_level(t30_get_logging_state(t30), level);
		span_log_set_tag(t30_get_logging_state(t30), calling ? "send" : "recv");
	}

	int16_t tx[MAX_FRAME], rx[MAX_FRAME];
	for (;;) {
		int n = fax_tx(fax, tx, frame);
		if (n < frame)
			memset(tx + n, 0, (frame - n) * sizeof(int16_t));
		if (fwrite(tx, sizeof(int16_t), frame, stdout) != (size_t)frame || fflush(stdout) != 0)
			break;
		if (!read_full(rx, frame))
			break;
		fax_rx(fax, rx, frame);
		samples += frame;
		if (verbose) {
			span_log_bump_samples(fax_get_logging_state(fax), frame);
			span_log_bump_samples(t30_get_logging_state(t30), frame);
		}
		if (phase_e_at >= 0 && samples - phase_e_at >= RATE)
			break;
		if (samples >= timeout * RATE)
			break;
	}

	/* The line is gone: as an application does at hang-up, tell T.30.
	 * A sender that has sent DCN is only flushing its last pause (state
	 * B) and ends with its status; anywhere else the call was dropped. */
	int hangup = 0;
	if (phase_e_result < 0) {
		hangup = 1;
		t30_terminate(t30);
	}
	t30_stats_t st;
	t30_get_transfer_statistics(t30, &st);
	fprintf(stderr, "phase_e result=%d (%s) pages_tx=%d pages_rx=%d rate=%d ecm=%d samples=%ld hangup=%d\n", phase_e_result,
	        phase_e_result >= 0 ? t30_completion_code_to_str(phase_e_result) : "no phase E", st.pages_tx, st.pages_rx,
	        st.bit_rate, st.error_correcting_mode, samples, hangup);
	fax_release(fax);
	fax_free(fax);
	return phase_e_result == 0 ? 0 : 3;
}
