# Helpers for the audit log integration scripts (issue 13). Source after lib_fed.sh.

# audit_fed: the commission's log (kcsc, served without a token), a witness, an authority
# and a platform with a fast log (batches every 100 ms, quorum 1), all started; NODES set.
audit_fed() {
  NODES="kcsc wit police portal"
  fed_init kcsc:auditor wit:witness police:authority portal:platform
  for n in $NODES; do
    printf '[audit]\nbatch_ms = 100\nquorum = 1\ngossip_ms = 300\nunlogged_ms = 3000\n' >> "$W/$n.ini"
  done
  echo "public = true" >> "$W/kcsc.ini"
  for n in $NODES; do start $n; done
  for n in $NODES; do wait_api $n; done
}
# ast NODE KEY: one figure of the node's /v1/audit/status
ast() { api "$1" GET /v1/audit/status | jget "['$2']"; }
