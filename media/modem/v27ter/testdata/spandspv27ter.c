/*
 * spandspv27ter: spandsp 0.0.6's V.27ter modem as a pipe, for the tests of
 * media/modem/v27ter (the reference is reached only from tests).
 *
 *   tx RATE [DBM0 [TEP]]  reads data bits as the characters '0'/'1' on stdin
 *                         (anything else is ignored; EOF ends the data) and
 *                         writes 16-bit little-endian 8 kHz audio on stdout
 *                         until the transmitter has sent its turn-off.
 *   rx RATE               reads that audio on stdin and prints the bits it
 *                         demodulates as '0'/'1' characters, each status
 *                         change on a line of its own: "S<code>" with code
 *                         spandsp's SIG_STATUS_* value (async.h).
 *   bench rx RATE FILE    time v27ter_rx over FILE's audio in 80-sample frames
 *   bench tx RATE FILE    time v27ter_tx making the audio of FILE's bits
 *                         (as tx reads them) in 80-sample frames
 *                         both print "frames N ns-per-frame X", measured on
 *                         CLOCK_THREAD_CPUTIME_ID around the processing only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <time.h>
#include <spandsp.h>

static char *bits;
static size_t nbits, next;

static void read_bits(FILE *f)
{
    size_t cap = 1 << 16;
    int c;
    bits = malloc(cap);
    nbits = 0;
    while ((c = getc(f)) != EOF) {
        if (c != '0' && c != '1')
            continue;
        if (nbits == cap)
            bits = realloc(bits, cap *= 2);
        bits[nbits++] = (char)(c - '0');
    }
}

static int get_bit(void *user)
{
    (void)user;
    if (next >= nbits)
        return SIG_STATUS_END_OF_DATA;
    return bits[next++];
}

static void put_bit(void *user, int bit)
{
    (void)user;
    if (bit < 0) {
        printf("\nS%d\n", bit);
        return;
    }
    putchar('0' + (bit & 1));
}

static void put_bit_quiet(void *user, int bit)
{
    (void)user;
    (void)bit;
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int16_t *read_audio(FILE *f, size_t *n)
{
    size_t cap = 1 << 16, len = 0;
    uint8_t b[2];
    int16_t *a = malloc(cap * sizeof *a);
    while (fread(b, 1, 2, f) == 2) {
        if (len == cap)
            a = realloc(a, (cap *= 2) * sizeof *a);
        a[len++] = (int16_t)(b[0] | (b[1] << 8));
    }
    *n = len;
    return a;
}

static void write_audio(const int16_t *a, int n)
{
    for (int i = 0; i < n; i++) {
        putchar(a[i] & 0xFF);
        putchar((a[i] >> 8) & 0xFF);
    }
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "tx") == 0) {
        int rate = atoi(argv[2]);
        int tep = argc >= 5 && atoi(argv[4]) != 0;
        v27ter_tx_state_t *tx;
        int16_t buf[160];
        int n;
        read_bits(stdin);
        tx = v27ter_tx_init(NULL, rate, tep, get_bit, NULL);
        if (tx == NULL)
            return 2;
        if (argc >= 4)
            v27ter_tx_power(tx, (float)atof(argv[3]));
        do {
            n = v27ter_tx(tx, buf, 160);
            write_audio(buf, n);
        } while (n == 160);
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "rx") == 0) {
        v27ter_rx_state_t *rx = v27ter_rx_init(NULL, atoi(argv[2]), put_bit, NULL);
        size_t n;
        int16_t *a = read_audio(stdin, &n);
        if (rx == NULL)
            return 2;
        for (size_t off = 0; off < n; off += 160)
            v27ter_rx(rx, a + off, (int)(n - off < 160 ? n - off : 160));
        putchar('\n');
        return 0;
    }
    if (argc >= 5 && strcmp(argv[1], "bench") == 0) {
        int rate = atoi(argv[3]);
        FILE *f = fopen(argv[4], "rb");
        double t0, t1;
        size_t frames = 0;
        if (f == NULL)
            return 2;
        if (strcmp(argv[2], "rx") == 0) {
            size_t n;
            int16_t *a = read_audio(f, &n);
            v27ter_rx_state_t *rx = v27ter_rx_init(NULL, rate, put_bit_quiet, NULL);
            frames = n / 80;
            t0 = now_ns();
            for (size_t i = 0; i < frames; i++)
                v27ter_rx(rx, a + 80 * i, 80);
            t1 = now_ns();
        } else {
            int16_t buf[80];
            v27ter_tx_state_t *tx;
            read_bits(f);
            tx = v27ter_tx_init(NULL, rate, 0, get_bit, NULL);
            t0 = now_ns();
            while (v27ter_tx(tx, buf, 80) == 80)
                frames++;
            t1 = now_ns();
        }
        printf("frames %zu ns-per-frame %.1f\n", frames, frames ? (t1 - t0) / (double)frames : 0.0);
        return 0;
    }
    fprintf(stderr, "usage: spandspv27ter tx RATE [DBM0 [TEP]] | rx RATE | bench rx|tx RATE FILE\n");
    return 2;
}
