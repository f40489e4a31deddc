package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// apiClient is the CLI's HTTP client of a running server.
type apiClient struct {
	base  string
	token string
	user  string
}

// clientFlags adds --server, --token and --user to fs.
func clientFlags(fs *flag.FlagSet) *apiClient {
	c := &apiClient{}
	fs.StringVar(&c.base, "server", envOr("ATELIER_SERVER", "http://127.0.0.1:8080"), "base URL of the server (env ATELIER_SERVER)")
	fs.StringVar(&c.token, "token", os.Getenv("ATELIER_TOKEN"), "bearer token (env ATELIER_TOKEN)")
	fs.StringVar(&c.user, "user", os.Getenv("USER"), "user name in local mode")
	return c
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// do sends a request and decodes a JSON answer into out; an error status
// becomes an error carrying the server's message.
func (c *apiClient) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u := strings.TrimRight(c.base, "/") + path
	if c.token == "" && c.user != "" {
		sep := "?"
		if strings.Contains(u, "?") {
			sep = "&"
		}
		u += sep + "user=" + url.QueryEscape(c.user)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w (is the server running? see --server)", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode >= 300 {
		var e struct{ Error string }
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s: %s", resp.Status, e.Error)
		}
		return fmt.Errorf("%s %s: %s", method, path, resp.Status)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(data, out)
}

// parseArgs parses fs and returns exactly n positional arguments.
func parseArgs(fs *flag.FlagSet, args []string, n int, names string) ([]string, error) {
	if err := fs.Parse(args); err != nil {
		return nil, errUsage
	}
	if fs.NArg() != n {
		return nil, fmt.Errorf("%s: want %s", fs.Name(), names)
	}
	return fs.Args(), nil
}
