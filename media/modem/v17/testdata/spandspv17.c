/*
 * spandspv17: spandsp 0.0.6's V.17 modem on stdin/stdout, for the tests of
 * media/modem/v17 (built by peer.BuildC; nothing of it is linked into
 * potsgate).
 *
 *   tx RATE            bits (one byte each, 0 or 1) on stdin -> 16-bit LE
 *                      8 kHz audio on stdout: long training, the bits,
 *                      turn-off.
 *   tx RATE tep        the same, the training preceded by V.17's talker
 *                      echo protection (unmodulated carrier, silence).
 *   tx RATE short K    a long-trained burst with the first K bits, 200 ms
 *                      of silence, then a short-trained burst with the rest.
 *   rx RATE [short]    audio on stdin -> on stdout '0'/'1' per bit and
 *                      "\n#N\n" per status (N a SIG_STATUS_* value). With
 *                      short, the receiver restarts for a short training
 *                      after the first carrier goes.
 *   bench rx RATE FILE time v17_rx over FILE's audio in 80-sample frames
 *   bench tx RATE FILE time v17_tx sending FILE's bits in 80-sample frames
 *                      bench prints "NS_PER_FRAME FRAMES", CPU time of this
 *                      thread (CLOCK_THREAD_CPUTIME_ID) around the calls only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <spandsp.h>

static uint8_t *bits;
static size_t nbits, pos, limit;

static int get_bit(void *user)
{
    (void) user;
    if (pos >= limit)
        return SIG_STATUS_END_OF_DATA;
    return bits[pos++] & 1;
}

static int carrier_downs;

static void put_bit(void *user, int bit)
{
    (void) user;
    if (bit < 0) {
        printf("\n#%d\n", bit);
        if (bit == SIG_STATUS_CARRIER_DOWN)
            carrier_downs++;
        return;
    }
    putchar('0' + (bit & 1));
}

static uint8_t *read_all(FILE *f, size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t *b = malloc(cap);
    size_t r;
    while ((r = fread(b + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            cap *= 2;
            b = realloc(b, cap);
        }
    }
    *n = len;
    return b;
}

static void write_audio(const int16_t *a, int n)
{
    uint8_t buf[2 * 160];
    for (int i = 0; i < n; i++) {
        buf[2 * i] = (uint8_t) (a[i] & 0xFF);
        buf[2 * i + 1] = (uint8_t) ((a[i] >> 8) & 0xFF);
    }
    fwrite(buf, 2, n, stdout);
}

static void send_burst(v17_tx_state_t *tx)
{
    int16_t amp[160];
    int n;
    do {
        n = v17_tx(tx, amp, 160);
        write_audio(amp, n);
    } while (n == 160);
}

static double thread_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: spandspv17 tx|rx|bench ...\n");
        return 2;
    }
    if (strcmp(argv[1], "tx") == 0) {
        int rate = atoi(argv[2]);
        bits = read_all(stdin, &nbits);
        int shortk = -1;
        int tep = argc >= 4 && strcmp(argv[3], "tep") == 0;
        if (argc >= 5 && strcmp(argv[3], "short") == 0)
            shortk = atoi(argv[4]);
        limit = shortk >= 0 ? (size_t) shortk : nbits;
        v17_tx_state_t *tx = v17_tx_init(NULL, rate, tep, get_bit, NULL);
        if (tx == NULL)
            return 1;
        send_burst(tx);
        if (shortk >= 0) {
            int16_t quiet[160] = {0};
            for (int i = 0; i < 10; i++)
                write_audio(quiet, 160);
            limit = nbits;
            v17_tx_restart(tx, rate, 0, 1);
            send_burst(tx);
        }
        int16_t quiet[160] = {0};
        write_audio(quiet, 160);
        return 0;
    }
    if (strcmp(argv[1], "rx") == 0) {
        int rate = atoi(argv[2]);
        int shrt = argc >= 4 && strcmp(argv[3], "short") == 0;
        v17_rx_state_t *rx = v17_rx_init(NULL, rate, put_bit, NULL);
        if (rx == NULL)
            return 1;
        size_t n;
        uint8_t *raw = read_all(stdin, &n);
        int16_t amp[160];
        int restarted = 0;
        for (size_t off = 0; off + 2 <= n; off += 2 * 160) {
            int k = 0;
            for (; k < 160 && off + 2 * k + 1 < n; k++)
                amp[k] = (int16_t) (raw[off + 2 * k] | (raw[off + 2 * k + 1] << 8));
            v17_rx(rx, amp, k);
            if (shrt && !restarted && carrier_downs > 0) {
                v17_rx_restart(rx, rate, 1);
                restarted = 1;
            }
        }
        putchar('\n');
        return 0;
    }
    if (strcmp(argv[1], "bench") == 0 && argc >= 5) {
        int rate = atoi(argv[3]);
        FILE *f = fopen(argv[4], "rb");
        if (f == NULL)
            return 1;
        size_t n;
        uint8_t *raw = read_all(f, &n);
        fclose(f);
        const int frame = 80;
        if (strcmp(argv[2], "rx") == 0) {
            size_t ns = n / 2;
            int16_t *amp = malloc(ns * sizeof(int16_t));
            for (size_t i = 0; i < ns; i++)
                amp[i] = (int16_t) (raw[2 * i] | (raw[2 * i + 1] << 8));
            v17_rx_state_t *rx = v17_rx_init(NULL, rate, put_bit, NULL);
            freopen("/dev/null", "w", stdout);
            size_t frames = ns / frame;
            double t0 = thread_ns();
            for (size_t i = 0; i < frames; i++)
                v17_rx(rx, amp + i * frame, frame);
            double t1 = thread_ns();
            fprintf(stderr, "%.1f %zu\n", (t1 - t0) / frames, frames);
            return 0;
        }
        bits = raw;
        nbits = limit = n;
        v17_tx_state_t *tx = v17_tx_init(NULL, rate, 0, get_bit, NULL);
        int16_t amp[80];
        size_t frames = 0;
        double t0 = thread_ns();
        while (v17_tx(tx, amp, frame) == frame)
            frames++;
        double t1 = thread_ns();
        fprintf(stderr, "%.1f %zu\n", (t1 - t0) / frames, frames);
        return 0;
    }
    fprintf(stderr, "usage\n");
    return 2;
}
