package demo

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	simmail "github.com/machina-go/machina/internal/sim/mail"
	"github.com/machina-go/machina/internal/sim/maximo"
	simopcua "github.com/machina-go/machina/internal/sim/opcua"
	"github.com/machina-go/machina/internal/sim/sap"
	simtg "github.com/machina-go/machina/internal/sim/telegram"
)

// credentials are the secrets generated for the simulators.
type credentials struct {
	maximo   maximo.Auth
	sap      sap.Auth
	telegram string
	mail     string
}

// simEndpoints is where the simulators listen, for the configuration.
type simEndpoints struct {
	maximoURL, sapURL  string
	sapClientID        string
	smtpAddr, imapAddr string
	mailCA             string
}

// startSims starts every simulator with fresh credentials.
func (e *Env) startSims(ctx context.Context, o Options) (credentials, error) {
	var c credentials
	var err error
	if c.maximo, err = maximo.GenerateAuth(maximo.AuthAPIKey); err != nil {
		return c, err
	}
	if e.Maximo, err = maximo.NewServer(maximo.Options{Auth: c.maximo, Logger: o.Logger.Named("sim-maximo")}); err != nil {
		return c, err
	}
	if e.sims.maximoURL, err = e.serve(e.Maximo); err != nil {
		return c, err
	}
	if c.sap, err = sap.GenerateAuth(sap.AuthOAuth2); err != nil {
		return c, err
	}
	if e.SAP, err = sap.NewServer(sap.Options{Auth: c.sap, SAPClient: "100", Logger: o.Logger.Named("sim-sap")}); err != nil {
		return c, err
	}
	if e.sims.sapURL, err = e.serve(e.SAP); err != nil {
		return c, err
	}
	e.sims.sapClientID = c.sap.ClientID
	c.telegram = "7000001:" + random(16)
	if e.Telegram, err = simtg.NewServer(simtg.Options{Token: c.telegram, Logger: o.Logger.Named("sim-telegram")}); err != nil {
		return c, err
	}
	e.closers = append(e.closers, func() { _ = e.Telegram.Close() })
	if err := e.startMail(o, &c); err != nil {
		return c, err
	}
	tick := time.Duration(0)
	if o.Static {
		tick = -1
	}
	if e.OPCUA, err = simopcua.Start(ctx, simopcua.Options{Addr: "127.0.0.1:0", Tick: tick, Logger: o.Logger.Named("sim-opcua")}); err != nil {
		return c, err
	}
	e.closers = append(e.closers, func() { _ = e.OPCUA.Close() })
	return c, nil
}

// startMail starts the SMTP/IMAP pair and writes its CA for the host.
func (e *Env) startMail(o Options, c *credentials) error {
	c.mail = random(16)
	var err error
	e.Mail, err = simmail.Start(simmail.Options{Users: map[string]string{"machina@plant.example": c.mail,
		TechnicianMail: random(16)}, Logger: o.Logger.Named("sim-mail")})
	if err != nil {
		return err
	}
	e.closers = append(e.closers, func() { _ = e.Mail.Close() })
	e.sims.mailCA = filepath.Join(e.StateDir, "mail-ca.pem")
	if err := os.WriteFile(e.sims.mailCA, e.Mail.CAPEM(), 0o600); err != nil {
		return err
	}
	_, port, _ := net.SplitHostPort(e.Mail.SMTPImplicitAddr)
	e.sims.smtpAddr = "127.0.0.1:" + port
	_, port, _ = net.SplitHostPort(e.Mail.IMAPImplicitAddr)
	e.sims.imapAddr = "127.0.0.1:" + port
	return nil
}

// serve runs an HTTP simulator on a free loopback port and returns its URL.
func (e *Env) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			e.logger.Error("simulator stopped", "addr", ln.Addr().String(), "error", err)
		}
	}()
	e.closers = append(e.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String(), nil
}
