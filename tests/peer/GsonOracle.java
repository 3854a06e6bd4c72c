// How TBSchedule 3.3.3.2 reads a node into its records: gson 2.1 configured as its data
// managers configure it (ScheduleDataManager4ZK, ScheduleStrategyDataManager4ZK), on the kit's
// classpath, in Java's source-file mode:
//   java -cp "$(cat $PEER_HOME/classpath)" GsonOracle.java < cases
// Each input line is `<record>\t<the node's text as a JSON string literal>`; each output line
// is `ERR` or `OK` followed by ` field=value` for every field of the Java record, in
// declaration order: strings quoted with a backslash-u escape for anything outside printable ASCII, arrays
// as [..], a Timestamp as `ts` (its value depends on the JVM's zone), null as null.
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.sql.Timestamp;

public class GsonOracle {
    public static void main(String[] a) throws Exception {
        Class<?> adapter = Class.forName("com.taobao.pamirs.schedule.zk.TimestampTypeAdapter");
        Constructor<?> make = adapter.getDeclaredConstructor();
        make.setAccessible(true);
        Gson gson = new GsonBuilder().registerTypeAdapter(Timestamp.class, make.newInstance())
                .setDateFormat("yyyy-MM-dd HH:mm:ss").create();
        Gson literal = new Gson();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, "UTF-8"));
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            int tab = line.indexOf('\t');
            Class<?> cls = Class.forName(record(line.substring(0, tab)));
            String json = literal.fromJson(line.substring(tab + 1), String.class);
            try {
                Object o = gson.fromJson(json, cls);
                if (o == null) { out.println("NULL"); continue; }
                StringBuilder sb = new StringBuilder("OK");
                for (Field f : cls.getDeclaredFields()) {
                    if (Modifier.isStatic(f.getModifiers())) continue;
                    f.setAccessible(true);
                    Object v = f.get(o);
                    sb.append(' ').append(f.getName()).append('=');
                    if (v instanceof String[]) {
                        String[] s = (String[]) v;
                        sb.append('[');
                        for (int i = 0; i < s.length; i++) sb.append(i > 0 ? "," : "").append(q(s[i]));
                        sb.append(']');
                    } else if (v instanceof String) sb.append(q((String) v));
                    else if (v instanceof Timestamp) sb.append("ts");
                    else sb.append(v);
                }
                out.println(sb);
            } catch (Throwable e) {
                out.println("ERR");
            }
        }
    }

    static String record(String r) {
        switch (r) {
            case "strategy": return "com.taobao.pamirs.schedule.strategy.ScheduleStrategy";
            case "runtime": return "com.taobao.pamirs.schedule.strategy.ScheduleStrategyRunntime";
            case "tasktype": return "com.taobao.pamirs.schedule.taskmanager.ScheduleTaskType";
            case "server": return "com.taobao.pamirs.schedule.taskmanager.ScheduleServer";
            default: throw new IllegalArgumentException(r);
        }
    }

    static String q(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch <= 0x20 || ch > 0x7e || ch == '"' || ch == '\\') b.append(String.format("\\u%04x", (int) ch));
            else b.append(ch);
        }
        return b.append('"').toString();
    }
}
