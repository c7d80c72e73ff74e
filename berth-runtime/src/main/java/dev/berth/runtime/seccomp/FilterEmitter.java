package dev.berth.runtime.seccomp;

import dev.berth.runtime.seccomp.SeccompCompiler.Cond;
import dev.berth.runtime.seccomp.SeccompCompiler.NamedRule;
import dev.berth.runtime.seccomp.SeccompCompiler.Op;
import dev.berth.runtime.seccomp.SeccompCompiler.Rule;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static dev.berth.runtime.seccomp.BpfBuilder.JEQ_K;
import static dev.berth.runtime.seccomp.BpfBuilder.JGE_K;
import static dev.berth.runtime.seccomp.BpfBuilder.JGT_K;

/**
 * Lays out the program described in {@link SeccompCompiler}, emitting it back to front with a {@link BpfBuilder}:
 * the i386 section, the x32 section, the x86_64 section, then the arch check at the top.
 */
final class FilterEmitter {
    private static final int OFF_NR = 0;
    private static final int OFF_ARCH = 4;
    private static final long NR_LIMIT = 1L << 32;

    private final BpfBuilder b = new BpfBuilder();
    private final int defaultRet;

    private FilterEmitter(int defaultRet) {
        this.defaultRet = defaultRet;
    }

    static BpfBuilder emit(int defaultRet, Set<SyscallTable> abis, List<NamedRule> rules) {
        FilterEmitter e = new FilterEmitter(defaultRet);
        int i386 = -1;
        if (abis.contains(SyscallTable.I386)) {
            int dispatch = e.section(SyscallTable.I386, rules, 0, NR_LIMIT);
            i386 = e.b.load(OFF_NR, dispatch);
        }
        int x32 = abis.contains(SyscallTable.X32)
                ? e.section(SyscallTable.X32, rules, SeccompCompiler.X32_SYSCALL_BIT, NR_LIMIT)
                : -1;
        int x64Dispatch = e.section(SyscallTable.X86_64, rules, 0, SeccompCompiler.X32_SYSCALL_BIT);
        if (x32 < 0) x32 = e.sectionDefault; // x32 calls when x32 is not listed: the default action
        int x64 = e.b.jump(JGE_K, SeccompCompiler.X32_SYSCALL_BIT, x32, x64Dispatch);
        x64 = e.b.load(OFF_NR, x64);
        int kill = e.b.ret(SeccompCompiler.RET_KILL_PROCESS);
        int otherArch = i386 < 0 ? kill : e.b.jump(JEQ_K, SeccompCompiler.AUDIT_ARCH_I386, i386, kill);
        int top = e.b.jump(JEQ_K, SeccompCompiler.AUDIT_ARCH_X86_64, x64, otherArch);
        e.b.load(OFF_ARCH, top);
        return e.b;
    }

    /** The current section's RET labels by return value, and its default action's RET. */
    private Map<Integer, Integer> rets;
    private int sectionDefault;
    /** The current section is i386: arguments are 32-bit, their high word is taken as 0. */
    private boolean compat;

    /**
     * Emits one ABI's section (RETs, rule chains, dispatch) for syscall numbers in [lo, hi) and returns the label of
     * its dispatch, which expects the syscall number in A.
     */
    private int section(SyscallTable abi, List<NamedRule> rules, long lo, long hi) {
        Map<Integer, List<Rule>> byNr = rulesByNumber(abi, rules);
        compat = abi == SyscallTable.I386;
        // RETs first, so they sit at the end of the section and every chain can reach them.
        Set<Integer> values = new TreeSet<>();
        for (List<Rule> l : byNr.values()) for (Rule r : l) values.add(r.ret());
        values.remove(defaultRet);
        rets = new HashMap<>();
        sectionDefault = b.ret(defaultRet);
        rets.put(defaultRet, sectionDefault);
        for (int v : values) rets.put(v, b.ret(v));

        Map<List<Rule>, Integer> chains = new HashMap<>(); // identical rule lists share one chain
        List<long[]> ranges = new ArrayList<>(); // {start, label}; each range runs to the next start
        long covered = lo;
        for (Map.Entry<Integer, List<Rule>> en : byNr.entrySet()) {
            long nr = Integer.toUnsignedLong(en.getKey());
            if (nr < lo || nr >= hi) continue;
            Integer label = chains.get(en.getValue());
            if (label == null) chains.put(en.getValue(), label = chain(en.getValue()));
            if (nr > covered) addRange(ranges, covered, sectionDefault);
            addRange(ranges, nr, label);
            covered = nr + 1;
        }
        if (covered < hi) addRange(ranges, covered, sectionDefault);
        return tree(ranges, 0, ranges.size() - 1);
    }

    private static void addRange(List<long[]> ranges, long start, int label) {
        if (!ranges.isEmpty() && ranges.getLast()[1] == label) return; // same outcome: extend the previous range
        ranges.add(new long[] {start, label});
    }

    /** A balanced search over ranges[from..to]: JGE on the middle range's start. */
    private int tree(List<long[]> ranges, int from, int to) {
        if (from == to) return (int) ranges.get(from)[1];
        int mid = (from + to + 1) >>> 1;
        int upper = tree(ranges, mid, to);
        int lower = tree(ranges, from, mid - 1);
        return b.jump(JGE_K, (int) ranges.get(mid)[0], upper, lower);
    }

    /**
     * Per syscall number of this ABI, the rules that name it in config order, cut after the first rule without
     * conditions (later ones can never apply) and without trailing rules that give the default action anyway.
     */
    private Map<Integer, List<Rule>> rulesByNumber(SyscallTable abi, List<NamedRule> rules) {
        Map<Integer, List<Rule>> byNr = new TreeMap<>();
        for (NamedRule nr : rules) {
            Set<Integer> numbers = new LinkedHashSet<>();
            for (String name : nr.names()) {
                int n = name == null ? -1 : abi.number(name);
                if (n >= 0) numbers.add(n);
            }
            for (int n : numbers) byNr.computeIfAbsent(n, x -> new ArrayList<>()).add(nr.rule());
        }
        Map<Integer, List<Rule>> out = new TreeMap<>();
        for (Map.Entry<Integer, List<Rule>> en : byNr.entrySet()) {
            List<Rule> l = new ArrayList<>();
            for (Rule r : en.getValue()) {
                l.add(r);
                if (r.conds().isEmpty()) break;
            }
            while (!l.isEmpty() && l.getLast().ret() == defaultRet) l.removeLast();
            if (!l.isEmpty()) out.put(en.getKey(), List.copyOf(l));
        }
        return out;
    }

    /** The rules of one syscall: each rule's conditions lead to its RET, or on failure to the next rule. */
    private int chain(List<Rule> rules) {
        int next = sectionDefault;
        for (Rule r : rules.reversed()) {
            int pass = rets.get(r.ret());
            for (Cond c : r.conds().reversed()) pass = cond(c, pass, next);
            next = pass;
        }
        return next;
    }

    /** One condition: continue at {@code pass} when it holds, at {@code fail} when not. */
    private int cond(Cond c, int pass, int fail) {
        int lo = 16 + 8 * c.index();
        int hi = lo + 4;
        if (c.op() == Op.MASKED_EQ) {
            int mLo = (int) c.value(), mHi = (int) (c.value() >>> 32);
            int dLo = (int) c.valueTwo(), dHi = (int) (c.valueTwo() >>> 32);
            int low = masked(lo, mLo, dLo, pass, fail);
            if (compat || mHi == 0) return dHi == 0 ? low : fail; // high word of arg & mask is 0
            return masked(hi, mHi, dHi, low, fail);
        }
        int vLo = (int) c.value(), vHi = (int) (c.value() >>> 32);
        // Where to go when the high words already decide (arg < value, arg > value), and the low-word test.
        int onLess, onGreater, low;
        switch (c.op()) {
            case EQ -> { onLess = fail; onGreater = fail; low = b.jump(JEQ_K, vLo, pass, fail); }
            case NE -> { onLess = pass; onGreater = pass; low = b.jump(JEQ_K, vLo, fail, pass); }
            case GT -> { onLess = fail; onGreater = pass; low = b.jump(JGT_K, vLo, pass, fail); }
            case GE -> { onLess = fail; onGreater = pass; low = b.jump(JGE_K, vLo, pass, fail); }
            case LT -> { onLess = pass; onGreater = fail; low = b.jump(JGE_K, vLo, fail, pass); }
            case LE -> { onLess = pass; onGreater = fail; low = b.jump(JGT_K, vLo, fail, pass); }
            default -> throw new IllegalStateException(c.op().toString());
        }
        low = b.load(lo, low);
        if (compat) return vHi == 0 ? low : onLess; // the argument's high word is 0
        int high;
        if (vHi == 0 || onLess == onGreater) {
            high = b.jump(JEQ_K, vHi, low, vHi == 0 ? onGreater : onLess); // (with vHi = 0 "less" cannot happen)
        } else if (vHi == -1) {
            high = b.jump(JEQ_K, vHi, low, onLess); // "greater" cannot happen
        } else {
            high = b.jump(JEQ_K, vHi, low, onLess);
            high = b.jump(JGT_K, vHi, onGreater, high);
        }
        return b.load(hi, high);
    }

    /** LD word; [AND mask;] JEQ datum → pass : fail. */
    private int masked(int offset, int mask, int datum, int pass, int fail) {
        if ((datum & ~mask) != 0) return fail; // can never match
        if (mask == 0) return pass; // 0 == 0 (datum is 0 here)
        int j = b.jump(JEQ_K, datum, pass, fail);
        if (mask != -1) j = b.and(mask, j);
        return b.load(offset, j);
    }
}
