package stats
import ("testing";"strings")
func TestDumpCatalogX(t *testing.T){ for _,m:=range Catalog(){ t.Logf("| `%s` | %v | %s | %s | %s |", m.Name, m.Type, m.Unit, strings.Join(m.Labels,", "), m.Help)}}
