/*
 * regress.c - a main() for the fuzz targets without libFuzzer: replays every
 * file in the directories (or the files) named on the command line through
 * LLVMFuzzerTestOneInput. ctest runs it over fuzz/corpus/<target>/, so the
 * seeds and every crash ever committed there are checked by `make test`, and
 * under the sanitizers by `make test-asan`.
 */
#include "fuzz.h"

#include <dirent.h>
#include <sys/stat.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* Returns the number of inputs run from path, or -1 if it cannot be read. */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	long n = -1;
	uint8_t *buf = NULL;
	int rc = -1;
	if (!f)
		goto done;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto done;
	/* +1: malloc(0) may return NULL; the target sees exactly n bytes. */
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
		goto done;
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	rc = 1;
done:
	if (rc < 0)
		fprintf(stderr, "regress: cannot read %s\n", path);
	free(buf);
	if (f)
		fclose(f);
	return rc;
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "regress: no such file or directory: %s\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	DIR *d = opendir(path);
	struct dirent *de;
	int total = 0;
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		char child[4096];
		if (de->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
		int n = run_file(child);
		if (n < 0) {
			total = -1;
			break;
		}
		total += n;
	}
	closedir(d);
	return total;
}

int main(int argc, char **argv)
{
	int total = 0;
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		int n = run_path(argv[i]);
		if (n < 0)
			return 1;
		total += n;
	}
	if (total == 0) {
		fprintf(stderr, "regress: no inputs\n");
		return 1;
	}
	printf("%d passed, 0 failed\n", total);
	return 0;
}
