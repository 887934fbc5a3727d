/*
 * cli.h - the subcommands of the recur binary.
 *
 * Each takes argc/argv starting at its own name, prints its result on stdout
 * (JSON where another program reads it) and errors on stderr, and returns the
 * process exit status.
 */
#ifndef RECUR_CLI_CLI_H
#define RECUR_CLI_CLI_H

#define CLI_DEFAULT_DB "sqlite:recur.db"
#define CLI_DEFAULT_LISTEN "127.0.0.1:8080"

int cli_serve(int argc, char **argv);
int cli_tenant(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_verify(int argc, char **argv);
int cli_bank(int argc, char **argv);
int cli_webhooks(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_export(int argc, char **argv);
int cli_migrate_db(int argc, char **argv);

/* RECUR_DB, or the default. */
const char *cli_default_db(void);
/* Opens the database and applies pending migrations; prints the error and returns NULL on failure. */
struct store *cli_open_db(const char *url);
struct svc_ledger_check;
/* Prints one line of a verify report as recur verify does, to ctx (a FILE *; NULL: stdout). */
void cli_verify_line(void *ctx, const struct svc_ledger_check *c);
/* 0 when tenant exists in db; otherwise says so on stderr and returns -1. */
int cli_check_tenant(struct store *db, const char *tenant);

#endif
