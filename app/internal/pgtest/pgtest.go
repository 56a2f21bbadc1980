// Package pgtest is for tests only: the TLS-only PostgreSQL that app/scripts/ci-test.sh starts on
// a loopback port (described by the APP_TEST_PG* variables), and a TCP proxy in front of it that
// can cut the path to the database or hang it.
package pgtest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Server is the PostgreSQL that app/scripts/ci-test.sh starts.
type Server struct {
	Host     string
	Port     int
	CA       string // PEM file of the CA that signed the server certificate
	User     string
	Password string
	DBName   string
}

// FromEnv describes the server from the APP_TEST_PG* variables, read with getenv (os.Getenv:
// only main reads the environment in the program itself). It skips the test when
// APP_TEST_PGHOST is unset and fails it when the others are incomplete.
func FromEnv(t *testing.T, getenv func(string) string) Server {
	t.Helper()
	s := Server{
		Host:     getenv("APP_TEST_PGHOST"),
		CA:       getenv("APP_TEST_PGCA"),
		User:     getenv("APP_TEST_PGUSER"),
		Password: getenv("APP_TEST_PGPASSWORD"),
		DBName:   getenv("APP_TEST_PGDATABASE"),
	}
	if s.Host == "" {
		t.Skip("integration test skipped: APP_TEST_PGHOST is unset (app/scripts/ci-test.sh starts a TLS-only PostgreSQL and sets APP_TEST_PG*)")
	}
	port, err := strconv.Atoi(getenv("APP_TEST_PGPORT"))
	if err != nil || s.CA == "" || s.User == "" || s.Password == "" || s.DBName == "" {
		t.Fatal("APP_TEST_PGHOST is set, but APP_TEST_PGPORT, _PGCA, _PGUSER, _PGPASSWORD or _PGDATABASE is missing")
	}
	s.Port = port
	return s
}

// Addr is host:port of the server.
func (s Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// Connect opens an administrative connection, verify-full like the app, closed at the test's end.
func (s Server) Connect(t *testing.T, password string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s user=%s sslmode=verify-full sslrootcert=%s",
		s.Host, s.Port, s.DBName, s.User, s.CA))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Password = password
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("admin connection: %v", err)
	}
	t.Cleanup(func() {
		// Like libpq's PQfinish, Close sends Terminate, upon which the server ends the session; a TLS
		// close_notify that then fails to reach it is no failure of the test.
		_ = conn.Close(context.Background())
	})
	return conn
}

// Exec runs one statement on conn; the error names the statement up to its first quote, so that
// no password literal reaches the test output.
func Exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", strings.SplitN(sql, "'", 2)[0], err)
	}
}

// Proxy forwards TCP from a loopback port to the database; it can cut every connection (Down)
// or hold every byte without closing anything (Hang), as a database that stopped answering.
type Proxy struct {
	target string
	// Port is the loopback port the proxy listens on while up.
	Port int

	mu     sync.Mutex
	ln     net.Listener
	conns  []net.Conn
	thawed chan struct{} // closed while bytes flow; replaced by Hang
}

// NewProxy returns a proxy to target, down (nothing listens on Port) until Up.
func NewProxy(t *testing.T, target string) *Proxy {
	t.Helper()
	thawed := make(chan struct{})
	close(thawed)
	p := &Proxy{target: target, Port: ClosedPort(t), thawed: thawed}
	t.Cleanup(p.Down)
	return p
}

// ClosedPort returns a loopback port nothing listens on.
func ClosedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil { // the port must be free again for the caller
		t.Fatal(err)
	}
	return port
}

// Up listens again on the same port.
func (p *Proxy) Up(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port)))
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go p.accept(ln)
}

// Down closes the listener and every forwarded connection, and lets held bytes go (to closed
// connections). Close errors are ignored: pipe may have closed a connection already, and a
// listener that stayed open shows as a wrong answer of the app.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		_ = p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
	p.thawLocked()
}

// Hang keeps every connection open and accepts new ones, but forwards nothing until Down.
func (p *Proxy) Hang() {
	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case <-p.thawed:
		p.thawed = make(chan struct{})
	default: // hung already
	}
}

func (p *Proxy) thawLocked() {
	select {
	case <-p.thawed:
	default:
		close(p.thawed)
	}
}

// flowing returns a channel that is closed while the proxy forwards bytes.
func (p *Proxy) flowing() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.thawed
}

func (p *Proxy) accept(ln net.Listener) {
	for {
		client, err := ln.Accept()
		if err != nil {
			return // closed by Down
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			_ = client.Close() // the client sees the database as unreachable either way
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		go p.pipe(client, server)
		go p.pipe(server, client)
	}
}

// pipe copies src to dst, holding each chunk while the proxy hangs; it ends when either side
// closes, and then closes both (the other pipe's Close of the same pair then fails with
// net.ErrClosed, which is expected).
func (p *Proxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			<-p.flowing()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	_ = dst.Close()
	_ = src.Close()
}
