import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { authAPI, errorMessage } from '../services/api';

const GOOGLE_CLIENT_ID = process.env.REACT_APP_GOOGLE_CLIENT_ID;

export default function Login({ onLogin }) {
  const navigate = useNavigate();
  const googleButton = useRef(null);
  const [mode, setMode] = useState('login');
  const [form, setForm] = useState({ email: '', password: '', name: '' });
  const [error, setError] = useState('');

  const finish = ({ data }) => {
    onLogin(data);
    navigate('/');
  };

  useEffect(() => {
    if (!GOOGLE_CLIENT_ID || !window.google || !googleButton.current) return;
    window.google.accounts.id.initialize({
      client_id: GOOGLE_CLIENT_ID,
      callback: ({ credential }) => authAPI.google(credential)
        .then(finish)
        .catch((err) => setError(errorMessage(err, 'Google 로그인에 실패했습니다'))),
    });
    window.google.accounts.id.renderButton(googleButton.current, { theme: 'outline', size: 'large' });
  }, []); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = async (e) => {
    e.preventDefault();
    setError('');
    try {
      if (mode === 'login') {
        finish(await authAPI.login(form.email, form.password));
      } else {
        finish(await authAPI.register(form));
      }
    } catch (err) {
      setError(errorMessage(err, mode === 'login' ? '로그인에 실패했습니다' : '회원가입에 실패했습니다'));
    }
  };

  const update = (field) => (e) => setForm({ ...form, [field]: e.target.value });

  return (
    <section className="card">
      <h1>{mode === 'login' ? '로그인' : '회원가입'}</h1>
      <form onSubmit={submit}>
        {mode === 'register' && (
          <p><input placeholder="이름" value={form.name} onChange={update('name')} required /></p>
        )}
        <p><input type="email" placeholder="이메일" value={form.email} onChange={update('email')} required /></p>
        <p><input type="password" placeholder="비밀번호" value={form.password} onChange={update('password')} required /></p>
        {error && <p className="error">{error}</p>}
        <button type="submit">{mode === 'login' ? '로그인' : '가입하기'}</button>{' '}
        <button type="button" onClick={() => setMode(mode === 'login' ? 'register' : 'login')}>
          {mode === 'login' ? '회원가입' : '로그인으로'}
        </button>
      </form>
      <div ref={googleButton} style={{ marginTop: 16 }} />
    </section>
  );
}
