// The Java console's "clear" of a task type (its list page's button): the real data manager's
// clearTaskType, which deletes every runtime domain of the base task type node by node while
// its runtimes may be running. Run in Java's source-file mode on the kit's classpath:
//   java -cp "$(cat $PEER_HOME/classpath)" ClearTaskType.java ZK ROOT BASE
import com.taobao.pamirs.schedule.strategy.TBScheduleManagerFactory;
import java.util.Properties;

public class ClearTaskType {
    public static void main(String[] a) throws Exception {
        TBScheduleManagerFactory f = new TBScheduleManagerFactory();
        f.start = false;
        Properties p = new Properties();
        p.put("zkConnectString", a[0]);
        p.put("rootPath", a[1]);
        p.put("zkSessionTimeout", "60000");
        p.put("userName", "ScheduleAdmin");
        p.put("password", "password");
        p.put("isCheckParentPath", "true");
        f.init(p);
        long give_up = System.currentTimeMillis() + 30_000;
        while (true) {
            try { f.getScheduleDataManager(); break; }
            catch (RuntimeException e) {
                if (System.currentTimeMillis() > give_up) throw e;
                Thread.sleep(100);
            }
        }
        f.getScheduleDataManager().clearTaskType(a[2]);
        System.out.println("cleared " + a[2]);
        f.stopAll();
        System.exit(0);
    }
}
