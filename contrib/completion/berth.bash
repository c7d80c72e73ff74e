# bash completion for berth. Install: cp contrib/completion/berth.bash /etc/bash_completion.d/berth
# (or: source it from ~/.bashrc). Commands and flags follow berth --help (Main.COMMANDS; ClientOfflineTest
# checks that the command list here matches it). Container, image and volume names come from the daemon.

_berth_commands="run create start ps logs exec stop kill restart rm pause unpause rename wait top stats port attach cp diff export commit update container volume network images rmi tag pull push build inspect history save load import image builder system login logout daemon runtime bench version"

# berth with the -H / --data-root the user typed, quietly (no daemon: no names).
_berth_q() {
    local i args=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -H|--host|--data-root) args+=("${COMP_WORDS[i]}" "${COMP_WORDS[i+1]}"); ((i++)) ;;
            --host=*|--data-root=*) args+=("${COMP_WORDS[i]}") ;;
        esac
    done
    "${COMP_WORDS[0]}" "${args[@]}" "$@" 2>/dev/null
}

_berth_containers() { _berth_q ps -a --format '{{.Names}}'; }
_berth_running() { _berth_q ps --format '{{.Names}}'; }
_berth_images() { _berth_q images --format '{{.Repository}}:{{.Tag}}' | grep -v '<none>'; }
_berth_volumes() { _berth_q volume ls -q; }
_berth_networks() { _berth_q network ls --format '{{.Name}}'; }

_berth_flags() {
    case $1 in
        run|create) echo "-d --detach -i --interactive -t --tty --rm --name -e --env --env-file -v --volume --mount -p --publish -P --publish-all
            --expose --network --network-alias -w --workdir -u --user --entrypoint -l --label -h --hostname -m --memory --memory-swap --shm-size
            --cpus --cpu-shares --cpuset-cpus --pids-limit --restart --init --read-only --privileged --cap-add --cap-drop --tmpfs --dns
            --add-host --stop-signal --stop-timeout --log-driver --log-opt --health-cmd --health-interval --health-timeout
            --health-start-period --health-retries --no-healthcheck --platform --pull -q --quiet" ;;
        start) echo "-a --attach -i --interactive" ;;
        ps) echo "-a --all -q --quiet --no-trunc -l --latest -n --last -s --size --format -f --filter" ;;
        logs) echo "-f --follow -t --timestamps -n --tail --since --until" ;;
        exec) echo "-i --interactive -t --tty -d --detach -e --env --env-file -u --user -w --workdir --privileged" ;;
        stop|restart) echo "-t --time -s --signal" ;;
        kill) echo "-s --signal" ;;
        rm) echo "-f --force -v --volumes" ;;
        inspect) echo "-f --format --type" ;;
        stats) echo "--no-stream -a --all --no-trunc --format" ;;
        attach) echo "--no-stdin --sig-proxy --detach-keys" ;;
        commit) echo "-a --author -m --message -c --change -p --pause" ;;
        update) echo "-m --memory --memory-swap --cpus --cpu-shares --cpuset-cpus --pids-limit --restart" ;;
        export) echo "-o --output" ;;
        images) echo "-q --quiet -a --all --no-trunc --format -f --filter" ;;
        rmi) echo "-f --force --no-prune" ;;
        pull) echo "--platform -q --quiet" ;;
        push) echo "-q --quiet" ;;
        build) echo "-t --tag -f --file --build-arg --target --no-cache -q --quiet --iidfile --network" ;;
        save) echo "-o --output --format" ;;
        load) echo "-i --input -q --quiet" ;;
        import) echo "-c --change -m --message" ;;
        login) echo "-u --username -p --password --password-stdin" ;;
        daemon) echo "-H --host --exec-root" ;;
    esac
}

_berth() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local i cmd="" sub="" n=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -H|--host|--data-root) ((i++)) ;;
            -*) ;;
            *) if [ -z "$cmd" ]; then cmd=${COMP_WORDS[i]}; elif [ -z "$sub" ]; then sub=${COMP_WORDS[i]}; fi; ((n++)) ;;
        esac
    done
    case $prev in
        -H|--host) COMPREPLY=($(compgen -W "unix:///run/berth/berth.sock" -- "$cur")); return ;;
        --data-root|--env-file|-o|--output|-i|--input|-f|--file|--iidfile|--exec-root|-w|--workdir) COMPREPLY=($(compgen -f -- "$cur")); return ;;
        --network|--net) COMPREPLY=($(compgen -W "bridge host none $(_berth_networks)" -- "$cur")); return ;;
        --restart) COMPREPLY=($(compgen -W "no always unless-stopped on-failure" -- "$cur")); return ;;
        -s|--signal) COMPREPLY=($(compgen -W "TERM KILL INT HUP QUIT USR1 USR2" -- "$cur")); return ;;
        --format) COMPREPLY=($(compgen -W "json table" -- "$cur")); return ;;
    esac
    if [ -z "$cmd" ]; then
        COMPREPLY=($(compgen -W "$_berth_commands -H --host --data-root --help --version" -- "$cur"))
        return
    fi
    # Sub-command groups: the verb first, then what it works on.
    case $cmd in
        container|volume|network|image|builder|system|runtime)
            if [ -z "$sub" ]; then
                case $cmd in
                    container) COMPREPLY=($(compgen -W "run create start ls ps list logs exec stop kill restart rm pause unpause rename wait inspect top stats port attach cp diff export commit update prune" -- "$cur")) ;;
                    volume) COMPREPLY=($(compgen -W "create ls inspect rm prune" -- "$cur")) ;;
                    network) COMPREPLY=($(compgen -W "create ls inspect rm connect disconnect prune" -- "$cur")) ;;
                    image) COMPREPLY=($(compgen -W "ls rm tag inspect history save load import prune pull push build base" -- "$cur")) ;;
                    builder) COMPREPLY=($(compgen -W "prune" -- "$cur")) ;;
                    system) COMPREPLY=($(compgen -W "df" -- "$cur")) ;;
                    runtime) COMPREPLY=($(compgen -W "create start state kill delete run exec ps pause resume list spec --root --help" -- "$cur")) ;;
                esac
                return
            fi
            case $cmd in
                volume) [[ $cur == -* ]] || COMPREPLY=($(compgen -W "$(_berth_volumes)" -- "$cur")); return ;;
                network) [[ $cur == -* ]] || COMPREPLY=($(compgen -W "$(_berth_networks) $(_berth_containers)" -- "$cur")); return ;;
                container) cmd=$sub ;;
                image) case $sub in ls) cmd=images ;; rm) cmd=rmi ;; *) cmd=$sub ;; esac ;;
                *) return ;;
            esac ;;
    esac
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_berth_flags "$cmd")" -- "$cur"))
        return
    fi
    case $cmd in
        run|create|pull|push|rmi|tag|history|save|image) COMPREPLY=($(compgen -W "$(_berth_images)" -- "$cur")) ;;
        exec|stop|kill|restart|pause|top|stats|attach|update) COMPREPLY=($(compgen -W "$(_berth_running)" -- "$cur")) ;;
        start|logs|rm|unpause|rename|wait|port|diff|export|commit|cp|inspect) COMPREPLY=($(compgen -W "$(_berth_containers)" -- "$cur")) ;;
        build|import|load) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
}
complete -F _berth berth
