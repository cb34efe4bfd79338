package store

// SecretListParams filters managed secrets; empty fields match all.
type SecretListParams struct {
	Scope       string
	Integration string
	Context     string
	Instance    string
	Status      string
	Limit       int
}

// SecretBindingListParams filters secret bindings; empty fields match all.
type SecretBindingListParams struct {
	SecretID    string
	Integration string
	BindingKey  string
	Context     string
	Instance    string
	Status      string
	Limit       int
}
