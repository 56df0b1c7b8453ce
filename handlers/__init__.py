"""The channels between citizens and the clerk: Telegram and the terminal.

``add_handlers(app)`` wires every Telegram handler in one place. PTB tries the handlers
of a group in order and runs the first that matches, so the order below matters where
the comments say so.
"""


def add_handlers(app) -> None:
    """Wire the Telegram conversation into ``app`` (a PTB Application)."""
    # Imported here so that the terminal and `bot.py check` never load Telegram.
    from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

    from . import supervisor
    from . import telegram as tg

    new = filters.UpdateType.MESSAGE  # not edits: an edited "/start" is not a new start
    # Commands first: "/start" is text too, and must not reach the clerk as a question.
    app.add_handler(CommandHandler("start", tg.start, filters=new))
    app.add_handler(CommandHandler(["help", "windows", "hours", "cancel"], tg.command, filters=new))
    # Edits before text: filters.TEXT would match an edited text as well.
    app.add_handler(MessageHandler(filters.UpdateType.EDITED_MESSAGE, tg.edited))
    # /report for supervisors: before "any other command", which would take it.
    app.add_handler(CommandHandler("report", supervisor.report, filters=new))
    # Any other command, after the known ones.
    app.add_handler(MessageHandler(new & filters.COMMAND, tg.unknown_command))
    app.add_handler(MessageHandler(new & filters.TEXT, tg.text))
    # Everything else a citizen can send; service messages (a member joined, a pinned
    # message) are not spoken to the clerk.
    app.add_handler(MessageHandler(new & ~filters.StatusUpdate.ALL, tg.other))
    app.add_handler(CallbackQueryHandler(tg.press))
    app.add_error_handler(tg.on_error)
