package mqtt

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// Publisher is a test device: an MQTT client that publishes to the broker
// at QoS 1, over TLS with the generated CA and client certificate when the
// broker serves TLS.
type Publisher struct{ cl paho.Client }

// waitFor bounds every wait of a Publisher on the broker.
const waitFor = 10 * time.Second

// NewPublisher connects a client (user and password when the broker
// requires them; "" for anonymous access).
func (b *Broker) NewPublisher(clientID, user, password string) (*Publisher, error) {
	o := paho.NewClientOptions().SetClientID(clientID).SetAutoReconnect(false).SetConnectTimeout(5 * time.Second)
	if p := b.pki; p != nil {
		pem, err := os.ReadFile(p.CAFile)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cert, err := tls.LoadX509KeyPair(p.ClientCert, p.ClientKey)
		if err != nil {
			return nil, err
		}
		o.AddBroker("ssl://" + b.Addr()).SetTLSConfig(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	} else {
		o.AddBroker("tcp://" + b.Addr())
	}
	if user != "" {
		o.SetUsername(user).SetPassword(password)
	}
	cl := paho.NewClient(o)
	if err := wait(cl.Connect()); err != nil {
		return nil, fmt.Errorf("publisher connect: %w", err)
	}
	return &Publisher{cl: cl}, nil
}

// Publish sends payload to topic and waits for the broker's PUBACK.
func (p *Publisher) Publish(topic, payload string) error {
	if err := wait(p.cl.Publish(topic, 1, false, payload)); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	return nil
}

// Close disconnects.
func (p *Publisher) Close() { p.cl.Disconnect(100) }

func wait(tok paho.Token) error {
	if !tok.WaitTimeout(waitFor) {
		return errors.New("timed out")
	}
	return tok.Error()
}
