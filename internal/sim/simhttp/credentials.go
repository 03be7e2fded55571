package simhttp

// Credential is one credential an auth mode needs, the field that holds it
// and the environment variable that carries it. A simulator lists its
// modes' credentials once (see maximo and sap Auth.credentials); its
// environment, env-file and validation helpers follow from the list.
type Credential struct {
	Env    string  // environment variable name
	Value  *string // the Auth field
	Secret bool    // the mode's secret (password, key, token, client secret)
}

// Envs lists the credentials' environment variables.
func Envs(cs []Credential) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Env)
	}
	return out
}

// FromEnv sets each credential from its environment variable.
func FromEnv(cs []Credential, getenv func(string) string) {
	for _, c := range cs {
		*c.Value = getenv(c.Env)
	}
}

// EnvVars pairs each environment variable with its credential's value,
// for an env file (values included: never print them).
func EnvVars(cs []Credential) [][2]string {
	var out [][2]string
	for _, c := range cs {
		out = append(out, [2]string{c.Env, *c.Value})
	}
	return out
}

// Secret is the value of the secret credential ("" when there is none).
func Secret(cs []Credential) string {
	for _, c := range cs {
		if c.Secret {
			return *c.Value
		}
	}
	return ""
}

// Complete reports whether every credential is set.
func Complete(cs []Credential) bool {
	for _, c := range cs {
		if *c.Value == "" {
			return false
		}
	}
	return true
}
