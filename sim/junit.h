/* sim/junit.h — JUnit XML as CI systems read it (Jenkins, GitLab, GitHub
 * test reporters), and joining the files of several shards.
 *
 * The shape (tests/junit.xsd is the schema the tests validate against):
 *
 *   <testsuites name="linkrig" tests= failures= errors= skipped= time=>
 *     <testsuite name="ap_reboot" tests= failures= errors= skipped= time=>
 *       <properties> linkrig.version, scenario, seed, firmware, set (one per
 *                    --set), watchdog, shard </properties>
 *       <testcase classname="linkrig.ap_reboot" name="run" time=>   the run itself
 *       <testcase classname="linkrig.ap_reboot" name="reconnect_spacing: [1s, 2s]" time=>
 *         <failure message="expected vs seen" type="expectation">...</failure>
 *         <system-out>the command that reproduces the run</system-out>
 *       </testcase>
 *       <system-out>the command that reproduces the run</system-out>
 *     </testsuite>
 *   </testsuites>
 *
 * Test names are the expectation as the file wrote it, without its line
 * number, so that a CI system's history of a test survives edits above it.
 * Times: the run's wall time is on the "run" testcase and the suite; the
 * expectations are judged after the run from its record and take 0. */
#ifndef LINKRIG_SIM_JUNIT_H
#define LINKRIG_SIM_JUNIT_H

#include <stddef.h>

#include "sim/err.h"
#include "sim/runner.h"
#include "sim/scenario.h"

/* A document under construction: suites are buffered so that each one's
 * counts can be written in its opening tag. */
typedef struct junit_doc junit_doc;

junit_doc *junit_doc_new(void);
/* Opens a suite; then properties, then cases, then junit_suite_end. */
void junit_suite_begin(junit_doc *j, const char *name, double time_s);
void junit_prop(junit_doc *j, const char *name, const char *value);
/* failure NULL: the case passed. out NULL: no <system-out>. */
/* A case that passed, failed (<failure>), could not be judged because the
 * run was stopped (<error>), or was not judged (<skipped>); message is the
 * element's message attribute (for error and skipped also its type), text
 * its content (NULL: the message). */
typedef enum { JUNIT_PASSED, JUNIT_FAILURE, JUNIT_ERROR, JUNIT_SKIPPED } junit_outcome;
void junit_case_kind(junit_doc *j, const char *classname, const char *name, double time_s, junit_outcome kind,
                     const char *message, const char *text, const char *out);
void junit_case(junit_doc *j, const char *classname, const char *name, double time_s, const char *failure,
                const char *failure_text, const char *out);
void junit_suite_end(junit_doc *j, const char *out);
/* Writes the document to path and frees it (also on error). */
int junit_doc_write(junit_doc *j, const char *path, sim_err *err);
void junit_doc_free(junit_doc *j);

/* What a run's JUnit needs besides the results: how it was started. */
typedef struct junit_run_info {
    const char *program;     /* the reproduce command's first word (argv[0]) */
    const runner_opts *opts; /* --firmware, --set, --watchdog */
    const char *shard;       /* "K/N", or NULL when not sharded */
} junit_run_info;

/* linkrig run: one testsuite per scenario (scns[i] gave results[i]). */
int junit_write_run(const char *path, const scenario *const *scns, const runner_result *results, int n,
                    const junit_run_info *info, sim_err *err);

/* The shell command that reproduces a run of s with seed (no --out: it
 * does not change the verdict), into buf. */
void junit_repro_command(char *buf, size_t cap, const char *program, const runner_opts *o, uint64_t seed,
                         const char *scenario_path);
/* The firmware image(s) the run of s uses, for the properties. */
void junit_firmware_of(char *buf, size_t cap, const scenario *s, const runner_opts *o);
/* Appends arg to buf, single-quoted when the shell would split or expand it. */
void junit_shell_arg(char *buf, size_t cap, const char *arg);

/* linkrig junit-merge: the testsuites of every input (a <testsuites> file's
 * children, or a lone <testsuite>) in one <testsuites>, sorted by suite name
 * (then input order), with the totals summed from the suites. Returns
 * SIM_EINVAL with a message naming the file when an input is not JUnit. */
int junit_merge(const char *out_path, const char *const *inputs, int n, sim_err *err);

#endif
