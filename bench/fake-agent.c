// The bench's fake agent: a no-op "claude -p" that starts in well under a millisecond, so what the bench measures
// is the orchestrator, not the agent. bench/fake-agent.mjs does the same in Node where no C compiler is found.
// It reads its stdin (the prompt) to the end, writes a file in its working dir (progress for stall detection), writes
// the signal, optionally prints a Claude-style stream-json, and appends its own start and end times to a file.
//
// Environment (samocode sets the SAMOCODE_* ones; the bench the FAKE_* ones):
//   SAMOCODE_SIGNAL_FILE, SAMOCODE_ITERATION, SAMOCODE_SESSION_PATH
//   FAKE_TIMING        append {"startedAt":ms,"endedAt":ms} (ms since the epoch) to this file
//   FAKE_LAST          at this iteration write a `blocked` signal (the run ends, exit 4); else `continue`
//   FAKE_WAIT          at this iteration write _qa.md with one question and a `waiting` signal
//   FAKE_STREAM        "1": print a real-shaped stream (init, text, a Write call and its result, result line)
//   FAKE_STREAM_BYTES  also print this many bytes of tool-call / tool-result lines before the result line
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static const char *env_or(const char *name, const char *fallback) {
  const char *value = getenv(name);
  return value && *value ? value : fallback;
}

static void write_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) { perror(path); exit(3); }
  size_t len = strlen(text);
  if (write(fd, text, len) != (ssize_t)len) { perror(path); exit(3); }
  close(fd);
}

static char out[1 << 16];
static size_t out_len;
static void flush_out(void) {
  size_t done = 0;
  while (done < out_len) {
    ssize_t n = write(1, out + done, out_len - done);
    if (n <= 0) exit(3);
    done += (size_t)n;
  }
  out_len = 0;
}
static void put(const char *text) {
  size_t len = strlen(text);
  if (out_len + len > sizeof out) flush_out();
  if (len > sizeof out) { out_len = 0; return; }
  memcpy(out + out_len, text, len);
  out_len += len;
}

int main(void) {
  double started = now_ms();
  char buf[65536];
  while (read(0, buf, sizeof buf) > 0) {}

  const char *signal_file = env_or("SAMOCODE_SIGNAL_FILE", "_signal.json");
  const char *session = env_or("SAMOCODE_SESSION_PATH", ".");
  int iteration = atoi(env_or("SAMOCODE_ITERATION", "1"));
  int last = atoi(env_or("FAKE_LAST", "0"));
  int wait = iteration == atoi(env_or("FAKE_WAIT", "0"));
  int stream = strcmp(env_or("FAKE_STREAM", "0"), "1") == 0;
  long long bytes = atoll(env_or("FAKE_STREAM_BYTES", "0"));

  char text[4096];
  snprintf(text, sizeof text, "%d\n", iteration);
  write_file("bench.txt", text);

  const char *signal;
  if (wait) {
    char qa[4096];
    snprintf(qa, sizeof qa, "%s/_qa.md", session);
    write_file(qa, "### Q1: ok?\n- A) yes\n**Suggestion:** A\n**Answer:** _waiting_\n");
    signal = "{\"status\":\"waiting\",\"for\":\"qa_answers\",\"summary\":\"asked\"}\n";
  } else if (last > 0 && iteration >= last) {
    signal = "{\"status\":\"blocked\",\"reason\":\"bench end\"}\n";
  } else {
    signal = "{\"status\":\"continue\",\"phase\":\"investigation\",\"summary\":\"x\"}\n";
  }
  write_file(signal_file, signal);

  if (stream) {
    char line[8192];
    put("{\"type\":\"system\",\"subtype\":\"init\",\"cwd\":\"/tmp/run/work\",\"session_id\":\"556fc672-bc58-469e-a7be-14a7d023d98e\","
        "\"tools\":[\"Task\",\"Bash\",\"Edit\",\"Read\",\"Write\"],\"mcp_servers\":[],\"model\":\"claude-sonnet-4-5\","
        "\"permissionMode\":\"bypassPermissions\",\"claude_code_version\":\"2.1.197\",\"output_style\":\"default\","
        "\"uuid\":\"00d39c92-71da-4f6e-837c-f57111efaae3\"}\n");
    put("{\"type\":\"assistant\",\"message\":{\"id\":\"msg_879758c1adb631b2bbc17737\",\"type\":\"message\",\"role\":\"assistant\","
        "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"text\",\"text\":\"Writing bench.txt and the signal file.\"}],"
        "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":1729,\"output_tokens\":1,\"cache_creation_input_tokens\":0,"
        "\"cache_read_input_tokens\":0}},\"parent_tool_use_id\":null,\"session_id\":\"556fc672-bc58-469e-a7be-14a7d023d98e\","
        "\"uuid\":\"fe013f8a-f8d0-48ea-9123-bf04988dfdfe\"}\n");
    snprintf(line, sizeof line,
             "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_879758c1adb631b2bbc17737\",\"type\":\"message\",\"role\":\"assistant\","
             "\"model\":\"claude-sonnet-4-5\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_dba17566178c555b45579ec2\",\"name\":\"Write\","
             "\"input\":{\"file_path\":\"bench.txt\",\"content\":\"%d\\n\"}}],\"stop_reason\":null,\"stop_sequence\":null,"
             "\"usage\":{\"input_tokens\":1729,\"output_tokens\":1}},\"parent_tool_use_id\":null,"
             "\"session_id\":\"556fc672-bc58-469e-a7be-14a7d023d98e\",\"uuid\":\"fe013f8a-f8d0-48ea-9123-bf04988dfdf0\"}\n",
             iteration);
    put(line);
    put("{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":\"toolu_dba17566178c555b45579ec2\","
        "\"type\":\"tool_result\",\"content\":\"File created successfully at: bench.txt\"}]},\"parent_tool_use_id\":null,"
        "\"session_id\":\"556fc672-bc58-469e-a7be-14a7d023d98e\",\"uuid\":\"96806432-44dd-46aa-989b-49bfc9dc1df3\","
        "\"timestamp\":\"2026-11-21T23:41:40.807Z\"}\n");
    // Filler: a Bash call and its result, ~1.3 KB a pair, until `bytes` are out.
    char result[1024];
    memset(result, 'x', sizeof result - 1);
    result[sizeof result - 1] = 0;
    long long printed = 0;
    for (long long n = 0; printed < bytes; n++) {
      int a = snprintf(line, sizeof line,
                       "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_%lld\",\"type\":\"message\",\"role\":\"assistant\","
                       "\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_%lld\",\"name\":\"Bash\",\"input\":{\"command\":\"ls -la src/%lld\","
                       "\"description\":\"List files\"}}],\"usage\":{\"input_tokens\":1729,\"output_tokens\":12}},"
                       "\"parent_tool_use_id\":null,\"session_id\":\"556fc672-bc58-469e-a7be-14a7d023d98e\"}\n",
                       n, n, n);
      put(line);
      int b = snprintf(line, sizeof line,
                       "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"tool_use_id\":\"toolu_%lld\","
                       "\"type\":\"tool_result\",\"content\":\"%s\"}]},\"parent_tool_use_id\":null,"
                       "\"session_id\":\"556fc672-bc58-469e-a7be-14a7d023d98e\"}\n",
                       n, result);
      put(line);
      printed += a + b;
    }
    put("{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"api_error_status\":null,\"duration_ms\":360,"
        "\"duration_api_ms\":85,\"num_turns\":2,\"result\":\"done\",\"stop_reason\":\"end_turn\","
        "\"session_id\":\"556fc672-bc58-469e-a7be-14a7d023d98e\",\"total_cost_usd\":0.011958,\"usage\":{\"input_tokens\":3601,"
        "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":77},\"permission_denials\":[],"
        "\"terminal_reason\":\"completed\",\"uuid\":\"6aba2765-5dc9-4b72-ac1e-a4cc21d52af8\"}\n");
    flush_out();
  }

  const char *timing = getenv("FAKE_TIMING");
  if (timing && *timing) {
    char record[256];
    int len = snprintf(record, sizeof record, "{\"startedAt\":%.3f,\"endedAt\":%.3f}\n", started, now_ms());
    int fd = open(timing, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      if (write(fd, record, (size_t)len) < 0) {}
      close(fd);
    }
  }
  return 0;
}
