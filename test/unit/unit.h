/*-------------------------------------------------------------------------
 *
 * unit.h
 *	  The report harness the C unit tests share.
 *
 * Each unit test is one program (see the fragments under mk/), so this
 * header defines its helpers itself, all static and marked unused: a
 * program takes what it needs.
 *
 *	- Report(ok, fmt, ...) prints "ok N - ..." or "not ok N - ..." for one
 *	  check group; CHECK(cond, fmt, ...) counts a check and prints only
 *	  when it fails; UnitSummary() prints the final "N passed, N failed"
 *	  line that scripts/test.sh sums, and returns the exit status.
 *	- SplitMix64(&state): deterministic pseudo-random bits (splitmix64),
 *	  so that every run and every machine sees the same data, and
 *	  SplitMixUnit(&state), a float in [-1, 1) with 24 random bits (exactly
 *	  representable).
 *	- MapWithGuard(bytes, page): readable memory that ends where a
 *	  PROT_NONE page begins, for kernels that must not read past their
 *	  input; SegvHandler, installed by CatchSegv, jumps back to segv_jump
 *	  when one does.
 *
 * IDENTIFICATION
 *	  test/unit/unit.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef MILVUS_UNIT_H
#define MILVUS_UNIT_H

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int	test_number __attribute__((unused)) = 0;
static int	num_passed __attribute__((unused)) = 0;
static int	num_failed __attribute__((unused)) = 0;

static sigjmp_buf segv_jump __attribute__((unused));

/*
 * Record and print the outcome of one check group; returns ok.
 */
static bool Report(bool ok, const char *fmt,...)
			__attribute__((format(printf, 2, 3), unused));

static bool
Report(bool ok, const char *fmt,...)
{
	va_list		args;

	test_number++;
	if (ok)
		num_passed++;
	else
		num_failed++;

	printf("%sok %d - ", ok ? "" : "not ", test_number);
	va_start(args, fmt);
	vprintf(fmt, args);
	va_end(args);
	printf("\n");
	fflush(stdout);
	return ok;
}

/*
 * Count one check; print "not ok N - file:line: message" when it fails.
 */
#define CHECK(cond, ...) \
	do { \
		test_number++; \
		if (cond) \
			num_passed++; \
		else \
		{ \
			num_failed++; \
			printf("not ok %d - %s:%d: ", test_number, __FILE__, __LINE__); \
			printf(__VA_ARGS__); \
			printf("\n"); \
		} \
	} while (0)

/*
 * Print the final "N passed, N failed" line; return the exit status.
 */
static __attribute__((unused)) int
UnitSummary(void)
{
	printf("%d passed, %d failed\n", num_passed, num_failed);
	return num_failed == 0 ? 0 : 1;
}

/*
 * The next 64 pseudo-random bits of the splitmix64 sequence at *state.
 */
static __attribute__((unused)) uint64_t
SplitMix64(uint64_t *state)
{
	uint64_t	z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A pseudo-random float in [-1, 1): 24 random bits, exactly representable.
 */
static __attribute__((unused)) float
SplitMixUnit(uint64_t *state)
{
	return (float) ((double) (SplitMix64(state) >> 40) / (double) (1 << 23) - 1.0);
}

/*
 * SIGSEGV handler for the guard page tests: jump back to the check.
 */
static __attribute__((unused)) void
SegvHandler(int signo)
{
	(void) signo;
	siglongjmp(segv_jump, 1);
}

/*
 * Make SegvHandler the SIGSEGV handler; the previous one goes to *old, for
 * sigaction(SIGSEGV, old, NULL) when done.
 */
static __attribute__((unused)) void
CatchSegv(struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SegvHandler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, old);
}

/*
 * Map "bytes" of readable memory followed by one PROT_NONE page.  Returns
 * the start of the readable part, or NULL.
 */
static __attribute__((unused)) char *
MapWithGuard(size_t bytes, size_t page)
{
	char	   *p = mmap(NULL, bytes + page, PROT_READ | PROT_WRITE,
						 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	if (mprotect(p + bytes, page, PROT_NONE) != 0)
	{
		munmap(p, bytes + page);
		return NULL;
	}
	return p;
}

#endif							/* MILVUS_UNIT_H */
