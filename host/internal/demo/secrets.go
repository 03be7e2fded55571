package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// SecretSource is where the generated configuration tells the host to read
// one secret from.
type SecretSource string

// Secret sources of Options.SecretSources.
const (
	// SourceFile is a 0600 file under StateDir/secrets (file:PATH).
	SourceFile SecretSource = "file"
	// SourceEnv is an environment variable (env:NAME) listed in Env.Environ:
	// the caller must put it into the host's environment.
	SourceEnv SecretSource = "env"
	// SourceSystemd is a credential in StateDir/credentials (systemd:NAME);
	// Env.Environ holds CREDENTIALS_DIRECTORY.
	SourceSystemd SecretSource = "systemd"
	// SourceDotEnv is an environment variable (env:NAME) assigned in the
	// 0600 file Env.DotEnvPath, to be loaded with secrets.LoadDotEnv.
	SourceDotEnv SecretSource = "dotenv"
)

// secretNames are the generated secrets, in the order they are written.
func secretNames() []string {
	return []string{"maximo_apikey", "sap_client_secret", "telegram_bot_token", "mail_password"}
}

// writeSecrets stores each generated secret where its source says and
// returns the [secrets] table: name → reference.
func (e *Env) writeSecrets(sources map[string]SecretSource, c credentials) (map[string]string, error) {
	values := map[string]string{"maximo_apikey": c.maximo.APIKey, "sap_client_secret": c.sap.ClientSecret,
		"telegram_bot_token": c.telegram, "mail_password": c.mail}
	refs := map[string]string{}
	var dotenv bytes.Buffer
	for _, name := range secretNames() {
		value := values[name]
		e.Secrets[name] = value
		envName := "MACHINA_DEMO_" + strings.ToUpper(name)
		var err error
		switch src := sources[name]; src {
		case "", SourceFile:
			var path string
			path, err = e.writeSecretFile(filepath.Join(e.StateDir, "secrets"), name, value)
			refs[name] = "file:" + path
		case SourceEnv:
			refs[name] = "env:" + envName
			e.Environ[envName] = value
		case SourceDotEnv:
			refs[name] = "env:" + envName
			fmt.Fprintf(&dotenv, "%s=%s\n", envName, value)
		case SourceSystemd:
			dir := filepath.Join(e.StateDir, "credentials")
			_, err = e.writeSecretFile(dir, name, value)
			refs[name] = "systemd:" + name
			e.Environ["CREDENTIALS_DIRECTORY"] = dir
		default:
			return nil, fmt.Errorf("secret %s: unknown source %q (want file, env, systemd or dotenv)", name, src)
		}
		if err != nil {
			return nil, err
		}
	}
	if dotenv.Len() > 0 {
		e.DotEnvPath = filepath.Join(e.StateDir, ".env")
		if err := os.WriteFile(e.DotEnvPath, dotenv.Bytes(), 0o600); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// writeSecretFile writes dir/name (0600, dir 0700) and returns its path.
func (e *Env) writeSecretFile(dir, name, value string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, []byte(value+"\n"), 0o600)
}

// writeToken generates the MCP bearer token, keeps it in a 0600 file and
// writes the tokens file the configuration names; it returns that file.
func (e *Env) writeToken() (string, error) {
	e.Token = random(32)
	e.TokenPath = filepath.Join(e.StateDir, "mcp-token")
	if err := os.WriteFile(e.TokenPath, []byte(e.Token+"\n"), 0o600); err != nil {
		return "", err
	}
	tokensFile := filepath.Join(e.StateDir, "mcp-tokens.json")
	tj, err := json.Marshal(map[string]string{e.Token: ClientID})
	if err != nil {
		return "", err
	}
	return tokensFile, os.WriteFile(tokensFile, tj, 0o600)
}

// ClientID is the client id of the demo's MCP token.
const ClientID = "demo-client"
