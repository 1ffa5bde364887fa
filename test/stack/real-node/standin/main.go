// Command standin is the offline stand-in for the images a session pod runs on the stack's real node.
//
// As the agent (the default) it serves a small agentapi-compatible API on :9000 (/status, /messages,
// POST /message, SSE /events) and, on SIGTERM, records the time it was signalled (stdout and
// STANDIN_TERM_FILE, as "sigterm <time>" then "exit <time>"), waits STANDIN_EXIT_DELAY and exits, so tests can observe the grace a delete gives.
// /status answers 503 until STANDIN_READY_FILE exists (when set), so a test decides when it is ready.
// As a sidecar ("idle", or called as credentials-sync) it only waits for SIGTERM and exits at once.
// "standin get URL" fetches a URL (3 s timeout) and fails unless it answers 2xx/3xx.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

type message struct {
	ID      int       `json:"id"`
	Role    string    `json:"role"`
	Content string    `json:"content"`
	Time    time.Time `json:"time"`
}

type agent struct {
	mu       sync.Mutex
	messages []message
	subs     map[chan message]struct{}
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (a *agent) ready() bool {
	f := os.Getenv("STANDIN_READY_FILE")
	if f == "" {
		return true
	}
	_, err := os.Stat(f)
	return err == nil
}

func (a *agent) add(role, content string) message {
	a.mu.Lock()
	defer a.mu.Unlock()
	m := message{ID: len(a.messages), Role: role, Content: content, Time: time.Now().UTC()}
	a.messages = append(a.messages, m)
	for c := range a.subs {
		select {
		case c <- m:
		default:
		}
	}
	return m
}

func (a *agent) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /status", func(w http.ResponseWriter, r *http.Request) {
		if !a.ready() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "stable", "agent_type": "standin"})
	})
	mux.HandleFunc("GET /messages", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		defer a.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"messages": append([]message{}, a.messages...)})
	})
	mux.HandleFunc("POST /message", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			Content string `json:"content"`
			Type    string `json:"type"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		a.add("user", body.Content)
		a.add("agent", "echo: "+body.Content)
		writeJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		flusher, ok := w.(http.Flusher)
		if !ok {
			http.Error(w, "streaming unsupported", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
		c := make(chan message, 16)
		a.mu.Lock()
		a.subs[c] = struct{}{}
		a.mu.Unlock()
		defer func() { a.mu.Lock(); delete(a.subs, c); a.mu.Unlock() }()
		fmt.Fprintf(w, "event: status_change\ndata: {\"status\":\"stable\"}\n\n")
		flusher.Flush()
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case m := <-c:
				b, _ := json.Marshal(m)
				fmt.Fprintf(w, "event: message_update\ndata: %s\n\n", b)
				flusher.Flush()
			case <-tick.C:
				fmt.Fprintf(w, ": keep-alive\n\n")
				flusher.Flush()
			}
		}
	})
	return mux
}

func runAgent() {
	delay, err := time.ParseDuration(env("STANDIN_EXIT_DELAY", "2s"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin: bad STANDIN_EXIT_DELAY:", err)
		os.Exit(2)
	}
	a := &agent{subs: map[chan message]struct{}{}}
	addr := env("STANDIN_LISTEN", ":9000")
	srv := &http.Server{Addr: addr, Handler: a.routes(), ReadHeaderTimeout: 10 * time.Second}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		if err := srv.ListenAndServe(); err != nil && err != http.ErrServerClosed {
			fmt.Fprintln(os.Stderr, "standin:", err)
			os.Exit(1)
		}
	}()
	fmt.Printf("standin agent listening on %s\n", addr)
	sig := <-term
	at := time.Now().UTC().Format(time.RFC3339Nano)
	// The line tests look for: the signal reached the agent, and when.
	fmt.Printf("standin: received %s at %s; exiting in %s\n", sig, at, delay)
	if f := os.Getenv("STANDIN_TERM_FILE"); f != "" {
		_ = os.MkdirAll(filepath.Dir(f), 0o755)
		_ = os.WriteFile(f, []byte("sigterm "+at+"\n"), 0o644)
	}
	time.Sleep(delay)
	done := time.Now().UTC().Format(time.RFC3339Nano)
	fmt.Printf("standin: exiting at %s\n", done)
	if f := os.Getenv("STANDIN_TERM_FILE"); f != "" {
		_ = os.WriteFile(f, []byte("sigterm "+at+"\nexit "+done+"\n"), 0o644)
	}
}

func runIdle(name string) {
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM, syscall.SIGINT)
	fmt.Printf("standin %s: idle until SIGTERM\n", name)
	<-term
	fmt.Printf("standin %s: stopping\n", name)
}

// runGet is the HTTP client the tests exec in pods: busybox's wget is static glibc, whose resolver
// crashes (SIGSEGV) without its NSS libraries in the image.
func runGet(url string) {
	client := &http.Client{Timeout: 3 * time.Second}
	res, err := client.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "standin get:", err)
		os.Exit(1)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	fmt.Print(string(body))
	if res.StatusCode >= 400 {
		os.Exit(1)
	}
}

func main() {
	name := filepath.Base(os.Args[0])
	switch {
	case len(os.Args) > 2 && os.Args[1] == "get":
		runGet(os.Args[2])
	case name == "credentials-sync":
		runIdle(name)
	case len(os.Args) > 1 && os.Args[1] == "idle":
		runIdle("sidecar")
	default:
		runAgent()
	}
}
