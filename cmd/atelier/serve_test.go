package main

import "testing"

func TestAuthMode(t *testing.T) {
	cases := []struct {
		addr, secret string
		insecure     bool
		local, fail  bool
	}{
		{addr: "127.0.0.1:8080", local: true},
		{addr: "[::1]:8080", local: true},
		{addr: "localhost:8080", local: true},
		{addr: "127.0.0.1:8080", secret: "s"},
		{addr: "0.0.0.0:8080", fail: true},
		{addr: ":8080", fail: true},
		{addr: "192.168.1.5:8080", fail: true},
		{addr: "0.0.0.0:8080", secret: "s"},
		{addr: "0.0.0.0:8080", insecure: true, local: true},
	}
	for _, tc := range cases {
		local, err := authMode(&serveFlags{addr: tc.addr, secret: tc.secret, insecureNoAuth: tc.insecure})
		if (err != nil) != tc.fail || local != tc.local {
			t.Errorf("%+v: local=%v err=%v", tc, local, err)
		}
	}
}
