-- A database written by the first schema (transcripts/store.py before migrations),
-- by the clerk playing two citizens: the fixture of tests/test_store.py.
BEGIN TRANSACTION;
CREATE TABLE "complaints" (
   "id" INTEGER PRIMARY KEY,
   "time" TEXT NOT NULL,
   "exchange_id" INTEGER REFERENCES "exchanges"("id"),
   "message_id" INTEGER REFERENCES "messages"("id"),
   "kind" TEXT NOT NULL,
   "text" TEXT NOT NULL,
   "status" TEXT NOT NULL DEFAULT 'new'
);
INSERT INTO "complaints" VALUES(1,'2025-03-03T09:00:25.000+00:00',1,11,'complaint','我要投诉，窗口没人','new');
INSERT INTO "complaints" VALUES(2,'2025-03-03T09:01:45.000+00:00',2,21,'suggestion','建议多开几个窗口','new');
CREATE TABLE "conversations" (
   "channel" TEXT,
   "chat_id" INTEGER,
   "user_id" INTEGER,
   "step" TEXT NOT NULL,
   "exchange_id" INTEGER REFERENCES "exchanges"("id"),
   "offered" TEXT,
   "last_item" TEXT,
   "reason_for" INTEGER REFERENCES "exchanges"("id"),
   "idle_due" TEXT,
   "updated" TEXT NOT NULL,
   PRIMARY KEY ("channel", "chat_id", "user_id")
);
INSERT INTO "conversations" VALUES('telegram',1001,1001,'idle',NULL,'[]','id-card-lost',NULL,NULL,'2025-03-03T09:00:40.000+00:00');
INSERT INTO "conversations" VALUES('telegram',-500,2002,'open',2,'[]',NULL,NULL,'2025-03-03T09:11:45.000+00:00','2025-03-03T09:01:45.000+00:00');
CREATE TABLE "exchanges" (
   "id" INTEGER PRIMARY KEY,
   "channel" TEXT NOT NULL,
   "chat_id" INTEGER NOT NULL,
   "user_id" INTEGER NOT NULL,
   "started" TEXT NOT NULL,
   "ended" TEXT,
   "end_reason" TEXT,
   "questions" INTEGER NOT NULL DEFAULT 0,
   "rating" INTEGER,
   "rating_label" TEXT,
   "rated" TEXT,
   "reason" TEXT
);
INSERT INTO "exchanges" VALUES(1,'telegram',1001,1001,'2025-03-03T09:00:00.000+00:00','2025-03-03T09:00:30.000+00:00','done',5,2,'不满意','2025-03-03T09:00:35.000+00:00','等太久了，身份证号11010519491231002X');
INSERT INTO "exchanges" VALUES(2,'telegram',-500,2002,'2025-03-03T09:01:40.000+00:00',NULL,NULL,2,NULL,NULL,NULL,NULL);
CREATE TABLE "messages" (
   "id" INTEGER PRIMARY KEY,
   "exchange_id" INTEGER REFERENCES "exchanges"("id"),
   "channel" TEXT NOT NULL,
   "chat_id" INTEGER NOT NULL,
   "user_id" INTEGER NOT NULL,
   "time" TEXT NOT NULL,
   "direction" TEXT NOT NULL,
   "kind" TEXT NOT NULL,
   "text" TEXT NOT NULL,
   "said" TEXT,
   "buttons" TEXT,
   "status" TEXT,
   "item" TEXT,
   "window" TEXT,
   "candidates" TEXT,
   "score" REAL
);
INSERT INTO "messages" VALUES(1,1,'telegram',1001,1001,'2025-03-03T09:00:00.000+00:00','in','command','/start',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(2,1,'telegram',1001,1001,'2025-03-03T09:00:00.000+00:00','out','text','您好！欢迎来到测试镇政务服务中心。请问您要办理什么业务？','greeting','[["menu:common", "常办事项"], ["menu:windows", "全部窗口"], ["menu:hours", "办公时间"]]',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(3,1,'telegram',1001,1001,'2025-03-03T09:00:05.000+00:00','in','text','身份证过期了怎么换，我的电话13800138000',NULL,NULL,'routed',NULL,'consult',NULL,0.1);
INSERT INTO "messages" VALUES(4,1,'telegram',1001,1001,'2025-03-03T09:00:05.000+00:00','out','text','对不起，这个问题请到1号窗口（综合咨询窗口，一楼大厅）咨询。
办公时间：周一至周五 9:00-17:00
咨询电话：0000-1111111','route','[["more:1", "还有问题"], ["done:1", "办完了"]]',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(5,1,'telegram',1001,1001,'2025-03-03T09:00:10.000+00:00','in','text','身份证',NULL,NULL,'choose',NULL,'hukou','["id-card-renew", "id-card-lost"]',0.55);
INSERT INTO "messages" VALUES(6,1,'telegram',1001,1001,'2025-03-03T09:00:10.000+00:00','out','text','您要办理的是下面哪一项？请点选：','choose','[["item:id-card-renew", "居民身份证换领"], ["item:id-card-lost", "居民身份证挂失补领"]]',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(7,1,'telegram',1001,1001,'2025-03-03T09:00:15.000+00:00','in','press','item:id-card-lost',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(8,1,'telegram',1001,1001,'2025-03-03T09:00:15.000+00:00','out','text','居民身份证挂失补领
办理窗口：3-4号窗口（户政窗口，一楼东侧）
所需材料（请一次带齐）：
1. 居民户口簿
办公时间：周一至周五 9:00-17:00','notice','[["more:1", "还有问题"], ["done:1", "办完了"]]',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(9,1,'telegram',1001,1001,'2025-03-03T09:00:20.000+00:00','in','text','发票',NULL,NULL,'routed',NULL,'tax',NULL,0.1);
INSERT INTO "messages" VALUES(10,1,'telegram',1001,1001,'2025-03-03T09:00:20.000+00:00','out','text','对不起，这个问题请到9号窗口（税务窗口）咨询。
办公时间：周一至周五 9:00-17:00
咨询电话：0000-1111111','route','[["more:1", "还有问题"], ["done:1", "办完了"]]',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(11,1,'telegram',1001,1001,'2025-03-03T09:00:25.000+00:00','in','text','我要投诉，窗口没人',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(12,1,'telegram',1001,1001,'2025-03-03T09:00:25.000+00:00','out','text','谢谢您，欢迎您监督和帮助！您反映的情况我们已经记录，会尽快核实处理。
投诉电话：0000-2222222','complaint','[["more:1", "还有问题"], ["done:1", "办完了"]]',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(13,1,'telegram',1001,1001,'2025-03-03T09:00:30.000+00:00','in','press','done:1',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(14,1,'telegram',1001,1001,'2025-03-03T09:00:30.000+00:00','out','text','请对我的工作作出评价：','rate','[["rate:1:5", "非常满意"], ["rate:1:4", "满意"], ["rate:1:3", "基本满意"], ["rate:1:2", "不满意"], ["rate:1:1", "非常不满意"]]',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(15,1,'telegram',1001,1001,'2025-03-03T09:00:35.000+00:00','in','press','rate:1:2',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(16,1,'telegram',1001,1001,'2025-03-03T09:00:35.000+00:00','out','text','非常抱歉没能让您满意。请告诉我们不满意的原因，我们一定认真改进。','rate_reason',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(17,1,'telegram',1001,1001,'2025-03-03T09:00:40.000+00:00','in','reason','等太久了，身份证号11010519491231002X',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(18,1,'telegram',1001,1001,'2025-03-03T09:00:40.000+00:00','out','text','谢谢您的宝贵意见，我们一定认真改进。
请慢走，欢迎您再来！','reason_thanks',NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(19,2,'telegram',-500,2002,'2025-03-03T09:01:40.000+00:00','in','text','发票怎么开',NULL,NULL,'routed',NULL,'consult',NULL,0.1);
INSERT INTO "messages" VALUES(20,2,'telegram',-500,2002,'2025-03-03T09:01:40.000+00:00','out','text','您好！欢迎来到测试镇政务服务中心。
对不起，这个问题请到1号窗口（综合咨询窗口，一楼大厅）咨询。
办公时间：周一至周五 9:00-17:00
咨询电话：0000-1111111','route','[["more:2", "还有问题"], ["done:2", "办完了"]]',NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(21,2,'telegram',-500,2002,'2025-03-03T09:01:45.000+00:00','in','text','建议多开几个窗口',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO "messages" VALUES(22,2,'telegram',-500,2002,'2025-03-03T09:01:45.000+00:00','out','text','谢谢您，欢迎您监督和帮助！您的建议我们已经记录。
投诉电话：0000-2222222','suggestion','[["more:2", "还有问题"], ["done:2", "办完了"]]',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE "pending" (
   "id" INTEGER PRIMARY KEY,
   "time" TEXT NOT NULL,
   "exchange_id" INTEGER REFERENCES "exchanges"("id"),
   "message_id" INTEGER REFERENCES "messages"("id"),
   "window" TEXT NOT NULL,
   "question" TEXT NOT NULL,
   "status" TEXT NOT NULL DEFAULT 'pending'
);
INSERT INTO "pending" VALUES(1,'2025-03-03T09:00:05.000+00:00',1,3,'consult','身份证过期了怎么换，我的电话13800138000','pending');
INSERT INTO "pending" VALUES(2,'2025-03-03T09:00:20.000+00:00',1,9,'tax','发票','pending');
INSERT INTO "pending" VALUES(3,'2025-03-03T09:01:40.000+00:00',2,19,'consult','发票怎么开','pending');
CREATE INDEX "idx_exchanges_channel_chat_id_user_id"
    ON "exchanges" ("channel", "chat_id", "user_id");
CREATE INDEX "idx_messages_exchange_id"
    ON "messages" ("exchange_id");
CREATE INDEX "idx_messages_channel_chat_id_user_id"
    ON "messages" ("channel", "chat_id", "user_id");
CREATE INDEX "idx_conversations_idle_due"
    ON "conversations" ("idle_due");
CREATE INDEX "idx_pending_window_status"
    ON "pending" ("window", "status");
COMMIT;
