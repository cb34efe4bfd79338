package store

// ProductProfileListParams filters product profiles; an empty DriverID
// matches all. Lists order newest updated_at first, then by product.
type ProductProfileListParams struct {
	DriverID string
}
