// IP pools and how full they are, live: total, allocated and free from each pool's
// status, and who holds each address.
import { useLiveList } from '../../api/hooks.ts';
import '../../components/admin/admin.css';
import type { IPPool } from '../../components/admin/types.ts';
import { condition, ConditionStatus } from '../../components/format.tsx';
import { ListState } from '../../components/list-state.tsx';
import { DataTable } from '../../components/table.tsx';

function Usage({ pool }: { pool: IPPool }) {
  const { total, allocated, free } = pool.status ?? {};
  if (total === undefined) return <span className="muted">not counted yet</span>;
  const used = allocated ?? 0;
  return (
    <>
      <meter
        className="usage-bar"
        min={0}
        max={Math.max(total, 1)}
        value={used}
        high={Math.max(total, 1) * 0.9}
        aria-label={`${pool.metadata.name}: ${used} of ${total} addresses allocated`}
      />
      <span>
        {used} of {total} allocated, {free ?? total - used} free
      </span>
    </>
  );
}

function Allocations({ pool }: { pool: IPPool }) {
  const entries = Object.entries(pool.status?.allocations ?? {});
  if (entries.length === 0) return null;
  return (
    <details>
      <summary>Allocations ({entries.length})</summary>
      <ul>
        {entries
          .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }))
          .map(([address, a]) => (
            <li key={address}>
              <code>{address}</code> — {a.claimRef.kind} {a.namespace}/{a.claimRef.name}
            </li>
          ))}
      </ul>
    </details>
  );
}

export function IPPoolsPage() {
  const { items, error } = useLiveList<IPPool>({ plural: 'ippools' });
  return (
    <section aria-labelledby="ippools-title">
      <h1 id="ippools-title">IP pools</h1>
      <ListState
        items={items}
        error={error}
        errorTitle="Could not load the IP pools"
        what="IP pools"
        empty={
          <>
            No IP pools. Machines get their addresses by DHCP unless a cluster names a pool (see
            docs/ipam.md).
          </>
        }
      >
        {(list) => (
          <DataTable
            testId="ippools"
            caption="IP pools"
            columns={['Name', 'Addresses', 'Gateway', 'Usage', 'Valid']}
          >
            {list.map((pool) => {
              const valid = condition(pool.status?.conditions, 'Valid');
              return (
                <tr key={pool.metadata.name} data-pool={pool.metadata.name}>
                  <th scope="row">{pool.metadata.name}</th>
                  <td data-label="Addresses">
                    {pool.spec.addresses.join(', ')} /{pool.spec.prefix}
                    {(pool.spec.excludes ?? []).length > 0 && (
                      <div className="help">excluding {pool.spec.excludes?.join(', ')}</div>
                    )}
                  </td>
                  <td data-label="Gateway">{pool.spec.gateway ?? '—'}</td>
                  <td data-label="Usage">
                    <Usage pool={pool} />
                    <Allocations pool={pool} />
                  </td>
                  <td data-label="Valid">
                    <ConditionStatus condition={valid} />
                  </td>
                </tr>
              );
            })}
          </DataTable>
        )}
      </ListState>
    </section>
  );
}
