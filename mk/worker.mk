# mk/worker.mk: the background worker, its CPU jobs, the GPU loader, and
# the SQL functions on top (batch search, k-means, status).

OBJS += src/worker_cpu.o src/worker_gpu.o src/worker.o src/batch.o

REGRESS += worker_search worker_privs worker_limits

# dlopen() of libmilvus_gpu.so
SHLIB_LINK += -ldl

UNIT_TESTS += test/unit/test_worker_cpu
test/unit/test_worker_cpu: test/unit/test_worker_cpu.c src/worker_cpu.c \
		src/worker_cpu.h $(KERNEL_SRCS) src/distance.h src/shim.h
	$(CC) $(UNIT_CFLAGS) -o $@ $< src/worker_cpu.c $(KERNEL_SRCS) -lm -lpthread
