package evidence

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/launchplane/launchplane/internal/record"
	"github.com/launchplane/launchplane/internal/store"
)

// ExportCatalog renders every stored release tuple as catalog TOML. It fails
// closed when there are no tuples, a tuple id repeats, or a channel is not
// stable, because a partial baseline is worse than none.
func (s *Service) ExportCatalog(ctx context.Context) (string, error) {
	tuples, err := s.store.ReleaseTupleList(ctx, store.ReleaseTupleListParams{})
	if err != nil {
		return "", fmt.Errorf("export release tuple catalog: %w", err)
	}
	return RenderCatalog(tuples)
}

// RenderCatalog renders tuples as catalog TOML, sorted by context and channel.
func RenderCatalog(tuples []record.ReleaseTuple) (string, error) {
	if len(tuples) == 0 {
		return "", fmt.Errorf("export release tuple catalog: no release tuples are stored: %w", ErrRefused)
	}
	sorted := append([]record.ReleaseTuple(nil), tuples...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Context != sorted[j].Context {
			return sorted[i].Context < sorted[j].Context
		}
		return sorted[i].Channel < sorted[j].Channel
	})
	seen := map[string]bool{}
	var b strings.Builder
	b.WriteString("schema_version = 1\n")
	for _, t := range sorted {
		if !record.IsStableChannel(t.Channel) {
			return "", fmt.Errorf("export release tuple catalog: %s/%s is not a stable channel: %w", t.Context, t.Channel, ErrRefused)
		}
		if seen[t.TupleID] {
			return "", fmt.Errorf("export release tuple catalog: duplicate tuple_id %s: %w", t.TupleID, ErrRefused)
		}
		seen[t.TupleID] = true
		table := "contexts." + tomlKey(t.Context) + ".channels." + tomlKey(t.Channel)
		fmt.Fprintf(&b, "\n[%s]\ntuple_id = %s\n\n[%s.repo_shas]\n", table, tomlString(t.TupleID), table)
		repos := make([]string, 0, len(t.RepoSHAs))
		for repo := range t.RepoSHAs {
			repos = append(repos, repo)
		}
		sort.Strings(repos)
		for _, repo := range repos {
			fmt.Fprintf(&b, "%s = %s\n", tomlKey(repo), tomlString(t.RepoSHAs[repo]))
		}
	}
	return b.String(), nil
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// tomlKey quotes a key unless TOML allows it bare.
func tomlKey(k string) string {
	if bareKey.MatchString(k) {
		return k
	}
	return tomlString(k)
}

// tomlString renders a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04X", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
