#!/usr/bin/env bash
# Sources a DevStack localrc the way stack.sh does (as bash, with DevStack's service and
# plugin helpers defined) and reports back, on file descriptor 3, NUL-separated records:
#   var  NAME VALUE LINE      a tracked variable; LINE is the localrc line that last changed it, or empty
#   plugin LINE N ARG...      one enable_plugin call with its N arguments
#   warn LINE MESSAGE         a helper's warning, as DevStack prints it
#   end                       the localrc ran to its end
# Usage: localrc-eval.sh VAR...   (VAR: the variables to track), the localrc on stdin;
#        localrc-eval.sh --syntax  checks the localrc on stdin with bash -n, runs nothing.
# The localrc's own stdout and stderr stay on 1 and 2; lab turns stderr into warnings.
# From lab, in the environment: LAB_DEFAULT_SERVICES (ENABLED_SERVICES when the localrc sets
# none) and LAB_SERVICE_ALIASES ("q-vpn:q-l3 ..."), both from its registry of services.
# Written for lab; the helper semantics follow DevStack's functions-common, not its code.

# The localrc comes on stdin, so that no copy of it is ever on disk. bash needs a name it
# can open: lab's stdin is a socket, which cannot be opened by name; a pipe on fd 4 can.
exec 4< <(cat)
__lab_file=/dev/fd/4
if [[ ${1-} == --syntax ]]; then
    exec bash -n "$__lab_file"
fi
__lab_tracked=("$@")

# Records are kept and written once the localrc has run: fd 3 is closed while it runs, so
# that what it starts in the background does not hold lab's pipe open (nor writes to it).
__lab_records=()
__lab_record() { __lab_records+=("$@"); }

# A service and its other names (q-l3 is q-vpn), from lab's registry of services:
# LAB_SERVICE_ALIASES holds "name:alias ..." groups.
__lab_aliases() {
    local group
    for group in ${LAB_SERVICE_ALIASES-}; do
        if [[ :$group: == *:"$1":* ]]; then
            echo "${group//:/ }"
            return
        fi
    done
    echo "$1"
}

__lab_in_list() { [[ ,$2, == *,$1,* ]]; }

# Removes every entry of $1 (and its aliases) from the comma list $2.
__lab_remove() {
    local list=,$2, name
    for name in $(__lab_aliases "$1"); do
        while [[ $list == *,$name,* ]]; do list=${list/,$name,/,}; done
    done
    list=${list#,}
    echo "${list%,}"
}

# DevStack's `ENABLED_SERVICES+=,-x`: a -x entry removes x and itself.
__lab_apply_negations() {
    local entry
    for entry in ${ENABLED_SERVICES//,/ }; do
        if [[ $entry == -* ]]; then
            ENABLED_SERVICES=$(__lab_remove "${entry#-}" "$ENABLED_SERVICES")
            ENABLED_SERVICES=$(__lab_remove "$entry" "$ENABLED_SERVICES")
        fi
    done
}

is_service_enabled() {
    local service name
    for service in "$@"; do
        for name in $(__lab_aliases "$service"); do
            __lab_in_list "$name" "$ENABLED_SERVICES" && return 0
        done
    done
    return 1
}

enable_service() {
    local service
    for service in "$@"; do
        if __lab_in_list "$service" "${DISABLED_SERVICES-}"; then
            __lab_record warn "${BASH_LINENO[0]}" "enable_service $service: $service was disabled earlier (disable_service), so it stays disabled, as in DevStack"
            continue
        fi
        is_service_enabled "$service" || ENABLED_SERVICES+=",$service"
    done
    ENABLED_SERVICES=${ENABLED_SERVICES#,}
    __lab_apply_negations
}

disable_service() {
    local service
    for service in "$@"; do
        ENABLED_SERVICES=$(__lab_remove "$service" "$ENABLED_SERVICES")
        __lab_in_list "$service" "${DISABLED_SERVICES-}" || DISABLED_SERVICES+=",$service"
    done
    DISABLED_SERVICES=${DISABLED_SERVICES#,}
}

disable_all_services() {
    ENABLED_SERVICES=""
}

enable_plugin() {
    __lab_record plugin "${BASH_LINENO[0]}" "$#" "$@"
}

# Attribute each change of a tracked variable to the top-level localrc line that made it:
# the DEBUG trap runs before every command; what changed since the previous one was done there.
declare -A __lab_value __lab_line
__lab_previous_line=
__lab_trace() {
    local name
    for name in "${__lab_tracked[@]}"; do
        if [[ ${!name-__lab_unset__} != "${__lab_value[$name]-__lab_unset__}" ]]; then
            __lab_value[$name]=${!name-__lab_unset__}
            [[ -n $__lab_previous_line ]] && __lab_line[$name]=$__lab_previous_line
        fi
    done
    __lab_previous_line=$1
}

: "${ENABLED_SERVICES=${LAB_DEFAULT_SERVICES-}}"
__lab_trace ""
set -o functrace
trap '(( ${#FUNCNAME[@]} == 0 )) && __lab_trace "$LINENO"' DEBUG
# shellcheck disable=SC1090
source "$__lab_file" 3>&-
trap - DEBUG
exec 4<&-
set +o functrace
__lab_trace ""
__lab_apply_negations

for __lab_name in "${__lab_tracked[@]}"; do
    if [[ -n ${!__lab_name+set} ]]; then
        __lab_record var "$__lab_name" "${!__lab_name}" "${__lab_line[$__lab_name]-}"
    fi
done
__lab_record end
printf '%s\0' "${__lab_records[@]}" >&3
