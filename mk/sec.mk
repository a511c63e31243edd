# mk/sec.mk: the cap on build threads (milvus.max_build_threads) and the
# security tests: pinned search_path, privilege checks, the thread cap.

OBJS += src/buildthreads.o

REGRESS += security_search_path security_privs security_threads
