package record

// ProductConfigPlan is a bound product-config plan: what a dry-run read and
// decided, so that an apply citing its plan_id can be refused when any
// input changed or the plan expired. It doubles as the owner-agent dry-run
// marker (identity + payload fingerprint). It never holds a secret value:
// the payload fingerprint hashes secret values, and Inputs maps input
// labels (route names, secret tuples, policy) to digests and version ids.
type ProductConfigPlan struct {
	PlanID             string `json:"plan_id"`
	Product            string `json:"product"`
	Context            string `json:"context"`
	Instance           string `json:"instance"`
	Identity           string `json:"identity"`
	PayloadFingerprint string `json:"payload_fingerprint"`
	InputsDigest       string `json:"inputs_digest"`
	// Inputs maps a human-readable input label ("runtime record
	// instance/cm/testing", "secret runtime_environment/SMTP
	// context_instance cm/testing", "key-safety policy") to its digest.
	Inputs    map[string]string `json:"inputs"`
	CreatedAt string            `json:"created_at"`
	ExpiresAt string            `json:"expires_at"`
}

// DecodeProductConfigPlan strictly decodes and validates a plan record.
func DecodeProductConfigPlan(data []byte) (ProductConfigPlan, error) {
	return decode[ProductConfigPlan](data, true)
}

func (*ProductConfigPlan) kind() string { return "product_config_plan" }

func (p *ProductConfigPlan) setDefaults() { *p = ProductConfigPlan{} }

// Validate normalizes p in place and checks every invariant.
func (p *ProductConfigPlan) Validate() error {
	c := newChecker("product_config_plan")
	c.required("plan_id", &p.PlanID)
	c.required("product", &p.Product)
	c.required("context", &p.Context)
	p.Instance = trim(p.Instance)
	c.required("identity", &p.Identity)
	c.required("payload_fingerprint", &p.PayloadFingerprint)
	c.required("inputs_digest", &p.InputsDigest)
	c.stringMap("inputs", p.Inputs)
	p.Inputs = nonNilMap(p.Inputs)
	c.timestamp("created_at", &p.CreatedAt, true)
	c.timestamp("expires_at", &p.ExpiresAt, true)
	return c.err()
}
